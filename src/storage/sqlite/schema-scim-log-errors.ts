/**
 * Migration 4: the error of a refused request in the SCIM request log
 * (docs/admin-api.md#scim-request-log). One nullable column holding the JSON object
 * `{"scimType": string | null, "detail": string}`; the entries already written read as null.
 */
export const SCHEMA_V4 = `
ALTER TABLE scim_log ADD COLUMN error TEXT;
`;
