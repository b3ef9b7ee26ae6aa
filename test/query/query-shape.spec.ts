import { parseQuery, queryShape } from '@app/tmf-query';
import { customerQuerySchema } from '@server/customer/customer.schema';

const paging = { defaultLimit: 20, maxLimit: 100 };
const shape = (raw: string) => queryShape(parseQuery(raw, customerQuerySchema, { paging }));

describe('queryShape', () => {
  it('is the same for the same paths and operators with other values', () => {
    expect(shape('contactMedium.characteristic.city=Lyon&limit=20')).toBe(
      shape('contactMedium.characteristic.city=Paris&limit=50'),
    );
    expect(shape('creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=605')).toBe(
      shape('creditProfile.creditScore.gte=10&creditProfile.creditScore.lt=900'),
    );
  });

  it('tells apart paths, operators, OR lists, sorts and page kinds', () => {
    const shapes = [
      'contactMedium.characteristic.city=Lyon',
      'contactMedium.characteristic.country=Lyon',
      'contactMedium.characteristic.city.ne=Lyon',
      'contactMedium.characteristic.city=Lyon,Paris',
      'contactMedium.characteristic.city=Lyon&status=Approved',
      'contactMedium.characteristic.city=Lyon&sort=name',
      'contactMedium.characteristic.city=Lyon&sort=-name',
      'contactMedium.characteristic.city=Lyon&offset=40',
      '',
    ].map(shape);
    expect(new Set(shapes).size).toBe(shapes.length);
    expect(shape('contactMedium.characteristic.city=Lyon')).toBe(
      'contactMedium.characteristic.city eq ;  ; first',
    );
  });
});
