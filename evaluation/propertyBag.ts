// Resource properties as the engine hands them over: the SDKs type them `any` (`MockResourceArgs.inputs`,
// `@pulumi/policy`'s `PolicyResource.props`), as their shape depends on the resource type. One name for that, so
// that `any` is allowed in one place only; the code reading a bag checks what it reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PropertyBag = Record<string, any>;
