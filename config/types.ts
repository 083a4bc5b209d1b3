// The program's configuration as the rest of the code sees it: typed, defaulted, validated. The types
// are inferred from the schema (config/schema.ts); this module only names them, and imports nothing
// that imports it back.
export { deployModes } from "./schema";
export type {
    BuildConfig, ConfigInput, Credentials, DeployMode, ExtraActionConfig, FleetConfig, InstanceTag, ProgramConfig, SourceConfig, TargetConfig, WaveConfig,
} from "./schema";

/** The raw config: each key's string value as Pulumi stores it (objects and lists as JSON). */
export type RawConfig = Record<string, string | undefined>;
