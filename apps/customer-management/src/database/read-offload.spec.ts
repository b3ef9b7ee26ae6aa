import { ReadOffload } from './read-offload';

describe('ReadOffload', () => {
  it('moves a shape once three lists in a row took longer than the threshold', () => {
    const offload = new ReadOffload(1);
    offload.record('dear', 5);
    offload.record('dear', 5);
    expect(offload.onWorker('dear')).toBe(false);
    offload.record('dear', 5);
    expect(offload.onWorker('dear')).toBe(true);
    expect(offload.movedShapes).toBe(1);
  });

  it('keeps a cheap shape on the loop whatever a few slow runs took (cold pages, preemption)', () => {
    const offload = new ReadOffload(1);
    offload.record('by name', 40);
    for (let i = 0; i < 50; i++) {
      offload.record('by name', i % 3 === 0 ? 0.2 : 30);
    }
    expect(offload.onWorker('by name')).toBe(false);
    expect(offload.movedShapes).toBe(0);
  });

  it('follows a shape that grows dear', () => {
    const offload = new ReadOffload(1);
    for (let i = 0; i < 10; i++) {
      offload.record('grows', 0.3);
    }
    offload.record('grows', 3);
    offload.record('grows', 3);
    expect(offload.onWorker('grows')).toBe(false);
    offload.record('grows', 3);
    expect(offload.onWorker('grows')).toBe(true);
  });

  it('runs every list on a worker at threshold 0, and a list without a shape on a worker', () => {
    expect(new ReadOffload(0).onWorker('any')).toBe(true);
    expect(new ReadOffload(1).onWorker(undefined)).toBe(true);
  });

  it('remembers a bounded number of shapes', () => {
    const offload = new ReadOffload(1);
    for (let i = 0; i < 1500; i++) {
      for (let n = 0; n < 3; n++) {
        offload.record(`shape ${i}`, 50);
      }
    }
    expect(offload.movedShapes).toBe(1000);
    expect(offload.onWorker('shape 0')).toBe(false);
    expect(offload.onWorker('shape 1499')).toBe(true);
  });
});
