import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** OpenAPI schema of the TMF `Error` body (see `TmfError`). */
@ApiSchema({
  name: 'Error',
  description:
    'Used when an API throws an Error, typically with a HTTP error response-code (3xx, 4xx, 5xx)',
})
export class TmfErrorDto {
  @ApiProperty({ description: 'Application relevant detail, defined in the API or a common list.' })
  code!: string;

  @ApiProperty({
    description: 'Explanation of the reason for the error which can be shown to a client user.',
  })
  reason!: string;

  @ApiPropertyOptional({
    description:
      'More details and corrective actions related to the error which can be shown to a client user.',
  })
  message?: string;

  @ApiPropertyOptional({ description: 'HTTP Error code extension' })
  status?: string;

  @ApiPropertyOptional({ description: 'URI of documentation describing the error.', format: 'uri' })
  referenceError?: string;

  @ApiPropertyOptional({ example: 'Error' })
  '@type'?: string;
}
