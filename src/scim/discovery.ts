import type { JsonObject, JsonValue } from '../storage/ports.ts';
import { notFound } from './errors.ts';
import { MAX_PAGE, LIST_RESPONSE } from './list.ts';
import { MAX_PATCH_OPERATIONS } from './patch.ts';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './schema.ts';
import type { AttrDef, SchemaDef } from './schema.ts';

export const MAX_BULK_OPERATIONS = 1000;

const SPC = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** RFC 7643 §5: what we support, truthfully (tests hold the features to it). */
export function serviceProviderConfig(baseUrl: string, maxPayloadSize: number): JsonObject {
  return {
    schemas: [SPC],
    documentationUri: 'https://github.com/trustgate/trustgate/blob/main/docs/scim.md',
    patch: { supported: true },
    bulk: { supported: true, maxOperations: MAX_BULK_OPERATIONS, maxPayloadSize },
    filter: { supported: true, maxResults: MAX_PAGE },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: `A SCIM token of this tenant (POST /admin/tenants/{slug}/scim-tokens). PATCH takes at most ${MAX_PATCH_OPERATIONS} operations.`,
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

function resourceType(baseUrl: string, name: 'User' | 'Group'): JsonObject {
  const user = name === 'User';
  return {
    schemas: [RESOURCE_TYPE],
    id: name,
    name,
    endpoint: user ? '/Users' : '/Groups',
    description: user ? 'User Account' : 'Group',
    schema: user ? USER_SCHEMA.id : GROUP_SCHEMA.id,
    schemaExtensions: user ? [{ schema: ENTERPRISE_SCHEMA.id, required: false }] : [],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${name}` },
  };
}

function attributeJson(def: AttrDef): JsonObject {
  const out: JsonObject = {
    name: def.name,
    type: def.type,
    multiValued: def.multiValued,
    description: def.description,
    required: def.required,
    caseExact: def.caseExact,
    mutability: def.mutability,
    returned: def.returned,
    uniqueness: def.uniqueness,
  };
  if (def.canonicalValues) out.canonicalValues = [...def.canonicalValues];
  if (def.referenceTypes) out.referenceTypes = [...def.referenceTypes];
  if (def.subAttributes) out.subAttributes = def.subAttributes.map(attributeJson);
  return out;
}

function schemaJson(baseUrl: string, schema: SchemaDef): JsonObject {
  return {
    schemas: [SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeJson),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

const list = (resources: JsonValue[]): JsonObject => ({
  schemas: [LIST_RESPONSE],
  totalResults: resources.length,
  startIndex: 1,
  itemsPerPage: resources.length,
  Resources: resources,
});

export const resourceTypes = (baseUrl: string) =>
  list([resourceType(baseUrl, 'User'), resourceType(baseUrl, 'Group')]);

export function resourceTypeById(baseUrl: string, id: string): JsonObject {
  if (id !== 'User' && id !== 'Group') throw notFound(`ResourceType ${id} not found`);
  return resourceType(baseUrl, id);
}

const SCHEMAS = [USER_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA];

export const schemas = (baseUrl: string) => list(SCHEMAS.map((s) => schemaJson(baseUrl, s)));

export function schemaById(baseUrl: string, id: string): JsonObject {
  const schema = SCHEMAS.find((s) => s.id === id);
  if (!schema) throw notFound(`Schema ${id} not found`);
  return schemaJson(baseUrl, schema);
}
