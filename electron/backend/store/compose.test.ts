import { describe, expect, it } from 'vitest';
import { methodsOf } from './compose';

interface Counter {
  add(n: number): number;
  total(): number;
}

class Base {
  protected sum = 0;
  total(): number {
    return this.sum;
  }
}

class DuckCounter extends Base implements Counter {
  readonly #step = 2;
  add(n: number): number {
    this.sum += this.#scale(n);
    return this.sum;
  }
  #scale(n: number): number {
    return n * this.#step;
  }
}

describe('methodsOf', () => {
  it("lifts a class's public methods, inherited ones too, bound to the instance", () => {
    const counter = methodsOf<Counter>(new DuckCounter());
    const { add, total } = counter;
    add(1);
    add(2);
    expect(total()).toBe(6);
  });

  it('leaves fields and #private helpers behind, so an area spreads only its interface', () => {
    expect(Object.keys(methodsOf<Counter>(new DuckCounter())).sort()).toEqual(['add', 'total']);
  });
});
