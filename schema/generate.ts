// `npm run schema`: writes the stack files' JSON Schema and the README's config reference tables,
// both generated from config/schema.ts.
import * as fs from "fs";
import * as path from "path";
import { schemaFile, stackFileSchemaText, withCurrentReference } from "./stackFileSchema";

const projectRoot = path.resolve(__dirname, "..");
const readme = path.join(projectRoot, "README.md");

fs.writeFileSync(path.join(projectRoot, schemaFile), stackFileSchemaText());
fs.writeFileSync(readme, withCurrentReference(fs.readFileSync(readme, "utf8")));
console.log(`Wrote ${schemaFile} and the config reference in README.md`);
