// Vitest setup for the renderer project (happy-dom): unmount between tests and stub the
// browser APIs happy-dom leaves out.
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

if (typeof window.matchMedia !== 'function') {
  Object.defineProperty(window, 'matchMedia', {
    writable: true,
    value: (query: string): MediaQueryList =>
      ({
        matches: false,
        media: query,
        onchange: null,
        addListener: () => undefined,
        removeListener: () => undefined,
        addEventListener: () => undefined,
        removeEventListener: () => undefined,
        dispatchEvent: () => false,
      }) as MediaQueryList,
  });
}

// happy-dom has no layout, so every element measures 0x0 and a virtualized list would show no
// rows. Give scroll containers a viewport the size of a small window.
const VIEWPORT = { clientHeight: 600, clientWidth: 1000 } as const;
for (const prop of ['clientHeight', 'clientWidth'] as const) {
  const original = Object.getOwnPropertyDescriptor(Element.prototype, prop) ?? Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop);
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement): number {
      if (this.classList.contains('table-scroll')) return VIEWPORT[prop];
      return (original?.get?.call(this) as number | undefined) ?? 0;
    },
  });
}
