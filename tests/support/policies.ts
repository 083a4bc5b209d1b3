// Tests that take a declared policy away or widen it: a copy of the resources with one policy document edited.
import * as assert from "node:assert/strict";
import type { DeclaredResource } from "../../evaluation/mockCloud";
import type { PropertyBag } from "../../evaluation/propertyBag";

/** A policy document as the tests edit it: parsed JSON. */
export type EditableDocument = PropertyBag;

/**
 * A deep copy of `resources` in which the JSON policy document `property` (`policy`, `assumeRolePolicy`)
 * of the resource named `resourceName` is the one `edit` makes of it (in place, or by returning another).
 */
export function withPolicyEdited(resources: DeclaredResource[], resourceName: string, property: string, edit: (document: EditableDocument) => EditableDocument | void): DeclaredResource[] {
    const copy: DeclaredResource[] = structuredClone(resources);
    const resource = copy.find((r) => r.name === resourceName);
    assert.ok(resource, `no resource ${resourceName}`);
    const document = JSON.parse(resource.inputs[property]);
    resource.inputs[property] = JSON.stringify(edit(document) ?? document);
    return copy;
}

/** A statement of a parsed document by its Sid, which must be there. */
export function statementWithSid(document: EditableDocument, sid: string): EditableDocument {
    const statement = document.Statement.find((s: { Sid?: string }) => s.Sid === sid);
    assert.ok(statement, `no statement ${sid}`);
    return statement;
}
