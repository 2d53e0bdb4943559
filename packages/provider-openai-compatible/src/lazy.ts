/**
 * A stand-in that creates the real object on first use, so importing the default instance reads
 * no environment variable and opens nothing until it is called.
 */
export function lazyInstance<T extends object>(create: () => T): T {
  let instance: T | undefined;
  const get = (): T => {
    instance ??= create();
    return instance;
  };
  return new Proxy({} as T, {
    get(_target, property) {
      const target = get();
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has: (_target, property) => Reflect.has(get(), property),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_target, property) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(get(), property);
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
  });
}
