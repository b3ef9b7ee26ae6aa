import { pagingLinks } from './paging-links';

describe(pagingLinks.name, () => {
  const url = 'https://api.example.com/c';

  it('links first, prev, next and last, keeping the other parameters as sent', () => {
    const header = pagingLinks(
      url,
      'name=A%20B&offset=20&limit=10&sort=-name',
      { offset: 20, limit: 10 },
      45,
    );
    expect(header).toBe(
      [
        `<${url}?name=A%20B&sort=-name&offset=0&limit=10>; rel="first"`,
        `<${url}?name=A%20B&sort=-name&offset=10&limit=10>; rel="prev"`,
        `<${url}?name=A%20B&sort=-name&offset=30&limit=10>; rel="next"`,
        `<${url}?name=A%20B&sort=-name&offset=40&limit=10>; rel="last"`,
      ].join(', '),
    );
  });

  it('has no prev on the first page and no next on the last', () => {
    expect(pagingLinks(url, '', { offset: 0, limit: 10 }, 5)).toBe(
      `<${url}?offset=0&limit=10>; rel="first", <${url}?offset=0&limit=10>; rel="last"`,
    );
  });

  it('carries keyset cursors in next and prev when given, replacing offset, limit and cursor', () => {
    const header = pagingLinks(
      url,
      'sort=-name&cursor=old.mac&limit=10',
      { offset: 0, limit: 10 },
      45,
      { next: 'n.x', prev: 'p.y' },
    );
    expect(header).toBe(
      [
        `<${url}?sort=-name&offset=0&limit=10>; rel="first"`,
        `<${url}?sort=-name&cursor=p.y&limit=10>; rel="prev"`,
        `<${url}?sort=-name&cursor=n.x&limit=10>; rel="next"`,
        `<${url}?sort=-name&offset=40&limit=10>; rel="last"`,
      ].join(', '),
    );
    // Only the cursors given: none at the end of the walk.
    expect(pagingLinks(url, 'cursor=a.b', { offset: 0, limit: 10 }, 5, {})).toBe(
      `<${url}?offset=0&limit=10>; rel="first", <${url}?offset=0&limit=10>; rel="last"`,
    );
  });

  it('keeps first and last when the cursors would make the header too long', () => {
    const long = 'c'.repeat(1500);
    expect(
      pagingLinks(url, 'sort=name', { offset: 0, limit: 10 }, 50, { next: long, prev: long }),
    ).toBe(
      `<${url}?sort=name&offset=0&limit=10>; rel="first", <${url}?sort=name&offset=40&limit=10>; rel="last"`,
    );
  });

  it('gives up rather than send an oversized header', () => {
    expect(
      pagingLinks(url, `name=${'x'.repeat(3000)}`, { offset: 0, limit: 10 }, 50),
    ).toBeUndefined();
  });
});
