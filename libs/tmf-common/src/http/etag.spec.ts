import { entityTag, ifMatchHolds, ifNoneMatchHits } from './etag';

describe('entity tags', () => {
  it('tags a version, and each projection separately', () => {
    expect(entityTag(3)).toBe('"3"');
    expect(entityTag(3, ['b', 'a'])).toBe(entityTag(3, ['a', 'b']));
    expect(entityTag(3, ['a'])).not.toBe(entityTag(3));
    expect(entityTag(3, ['a'])).not.toBe(entityTag(4, ['a']));
  });

  it('If-Match uses strong comparison and accepts *', () => {
    expect(ifMatchHolds(undefined, '"3"')).toBe(true);
    expect(ifMatchHolds('"3"', '"3"')).toBe(true);
    expect(ifMatchHolds('"1", "3"', '"3"')).toBe(true);
    expect(ifMatchHolds('*', '"3"')).toBe(true);
    expect(ifMatchHolds('"2"', '"3"')).toBe(false);
    expect(ifMatchHolds('W/"3"', '"3"')).toBe(false);
  });

  it('If-None-Match uses weak comparison and accepts *', () => {
    expect(ifNoneMatchHits(undefined, '"3"')).toBe(false);
    expect(ifNoneMatchHits('W/"3"', '"3"')).toBe(true);
    expect(ifNoneMatchHits('"2", "3"', '"3"')).toBe(true);
    expect(ifNoneMatchHits('*', '"3"')).toBe(true);
    expect(ifNoneMatchHits('"2"', '"3"')).toBe(false);
  });
});
