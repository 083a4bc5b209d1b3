/** A plain object (not null, not an array), as read from YAML, JSON or a stack's outputs. */
export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
