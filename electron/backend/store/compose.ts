/**
 * The store is one object implementing every area's interface. Each area's reader and writer is a
 * class; methodsOf() lifts its public methods (bound to it) into a plain object, so the areas spread
 * into the store without forwarding each method by hand. Helpers a class keeps to itself are
 * `#private` (or module functions) and so never reach the store.
 */
export function methodsOf<I extends object>(instance: I): I {
  const out: Record<string, unknown> = {};
  for (let proto = Object.getPrototypeOf(instance) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = (instance as Record<string, unknown>)[name];
      if (name === 'constructor' || name in out || typeof value !== 'function') continue;
      out[name] = (value as (...args: unknown[]) => unknown).bind(instance);
    }
  }
  return out as I;
}
