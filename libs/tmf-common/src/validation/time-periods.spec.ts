import { timePeriodViolations } from './time-periods';

describe(timePeriodViolations.name, () => {
  const reversed = { startDateTime: '2024-05-02T00:00:00Z', endDateTime: '2024-05-01T00:00:00Z' };
  const fine = { startDateTime: '2024-05-01T02:00:00+02:00', endDateTime: '2024-05-01T00:00:00Z' };

  it('names every reversed period by its path, at any depth, in document order', () => {
    const document = {
      validFor: reversed,
      account: [
        { id: '1', validFor: fine },
        { id: '2', validFor: reversed },
      ],
      contactMedium: [{ characteristic: { validFor: reversed } }],
      deep: [[{ validFor: reversed }]],
    };
    expect(timePeriodViolations(document)).toEqual(
      [
        'validFor',
        'account[1].validFor',
        'contactMedium[0].characteristic.validFor',
        'deep[0][0].validFor',
      ].map((at) => ({
        path: `${at}.endDateTime`,
        message: `${at}.endDateTime must not be before ${at}.startDateTime`,
      })),
    );
  });

  it('starts paths at the one given, and finds nothing in periods that are empty, open or not dates', () => {
    expect(timePeriodViolations([{ validFor: reversed }], 'items')).toEqual([
      {
        path: 'items[0].validFor.endDateTime',
        message: 'items[0].validFor.endDateTime must not be before items[0].validFor.startDateTime',
      },
    ]);
    expect(
      timePeriodViolations({
        validFor: fine,
        a: { validFor: { startDateTime: '2024-05-01T00:00:00Z' } },
        b: { validFor: { startDateTime: 'later', endDateTime: '2024-05-01T00:00:00Z' } },
        c: { validFor: null },
        d: 'validFor',
      }),
    ).toEqual([]);
  });
});
