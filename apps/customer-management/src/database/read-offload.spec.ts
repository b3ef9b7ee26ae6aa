import { ReadOffload } from './read-offload';

describe('ReadOffload', () => {
  it('moves a shape after its first warm list measured it dearer than the threshold', () => {
    const offload = new ReadOffload(1);
    offload.record('dear', 5);
    expect(offload.onWorker('dear')).toBe(false);
    offload.record('dear', 5);
    expect(offload.onWorker('dear')).toBe(true);
    expect(offload.movedShapes).toBe(1);
  });

  it('moves a shape at once after one list of over twenty thresholds', () => {
    const offload = new ReadOffload(1);
    offload.record('count', 25);
    expect(offload.onWorker('count')).toBe(true);
  });

  it('keeps a cheap shape on the loop, however often, and a cold first run does not move it', () => {
    const offload = new ReadOffload(1);
    offload.record('by name', 8);
    for (let i = 0; i < 50; i++) {
      offload.record('by name', 0.2);
    }
    expect(offload.onWorker('by name')).toBe(false);
    expect(offload.movedShapes).toBe(0);
  });

  it('follows a shape that grows dear (a running average, not the first runs)', () => {
    const offload = new ReadOffload(1);
    for (let i = 0; i < 10; i++) {
      offload.record('grows', 0.3);
    }
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
      offload.record(`shape ${i}`, 50);
    }
    expect(offload.movedShapes).toBe(1000);
    expect(offload.onWorker('shape 0')).toBe(false);
    expect(offload.onWorker('shape 1499')).toBe(true);
  });
});
