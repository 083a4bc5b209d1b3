// The project's module graph, read by dpdm: which modules an entry loads and which packages they import.
import { DependencyTree, parseDependencyTree } from "dpdm";
import { projectRoot } from "../fixtures";

/** The dependency tree of `entries` (globs relative to the project), type-only imports included. */
export function dependencyTree(entries: string[]): Promise<DependencyTree> {
    return parseDependencyTree(entries, { context: projectRoot, cwd: projectRoot, exclude: /node_modules|\/plan\//, transform: false });
}

/** The project's modules `entry` loads (relative paths) and the packages they import by name. */
export async function moduleGraph(entry: string): Promise<{ files: Set<string>; packages: Set<string> }> {
    const tree = await dependencyTree([entry]);
    const files = new Set(Object.keys(tree).filter((file) => tree[file] !== null));
    const packages = new Set(Object.values(tree).flatMap((dependencies) => dependencies ?? [])
        .filter((d) => !d.request.startsWith("."))
        .map((d) => d.request.split("/").slice(0, d.request.startsWith("@") ? 2 : 1).join("/")));
    return { files, packages };
}
