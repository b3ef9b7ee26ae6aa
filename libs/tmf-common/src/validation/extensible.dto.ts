import { StringAttribute } from './attributes';

/**
 * TMF polymorphism and extension attributes, present on every entity. An object that names its
 * extension schema in `@schemaLocation` may carry attributes the base schema lacks.
 */
export abstract class ExtensibleDto {
  @StringAttribute({
    description: 'When sub-classing, the super-class',
    maxLength: 200,
    notEmpty: true,
  })
  '@baseType'?: string;

  @StringAttribute({
    description: 'A URI to a JSON Schema file that defines additional attributes and relationships',
    format: 'uri',
    maxLength: 2000,
    notEmpty: true,
  })
  '@schemaLocation'?: string;

  @StringAttribute({
    description: 'When sub-classing, the class name of the entity',
    maxLength: 200,
    notEmpty: true,
  })
  '@type'?: string;
}
