// Indexes the plan builds over thousands of resources and checks: a map's entry, made the first time it is asked for.

/** The value under `key`, made by `create` and kept the first time. */
export function entryOf<K, V>(map: Map<K, V>, key: K, create: () => V): V {
    let value = map.get(key);
    if (value === undefined) {
        value = create();
        map.set(key, value);
    }
    return value;
}
