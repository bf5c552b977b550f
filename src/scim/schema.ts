/**
 * The SCIM schemas we serve (RFC 7643 §4, §8.7.1): one table drives discovery (`/Schemas`),
 * filter and sort resolution, PATCH path checks and type coercion, so they cannot disagree.
 */

export type AttrType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'default' | 'never' | 'request';

export interface AttrDef {
  readonly name: string;
  readonly type: AttrType;
  readonly multiValued: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: 'none' | 'server';
  readonly required: boolean;
  readonly description: string;
  readonly subAttributes?: readonly AttrDef[];
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
}

export interface SchemaDef {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttrDef[];
}

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

type Opts = Partial<Omit<AttrDef, 'name' | 'type'>>;

function attr(name: string, type: AttrType, opts: Opts = {}): AttrDef {
  return {
    name,
    type,
    multiValued: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    required: false,
    description: name,
    ...opts,
  };
}
const str = (name: string, opts: Opts = {}) => attr(name, 'string', opts);
const complex = (name: string, subAttributes: readonly AttrDef[], opts: Opts = {}) =>
  attr(name, 'complex', { subAttributes, ...opts });

/** The shape of emails, phoneNumbers, ims, photos, entitlements, roles, x509Certificates (RFC 7643 §4.1.2). */
function multi(name: string, valueType: AttrType = 'string', types: readonly string[] = []): AttrDef {
  const typeAttr = types.length ? str('type', { canonicalValues: types }) : str('type');
  return complex(name, [attr('value', valueType), str('display'), typeAttr, attr('primary', 'boolean')], {
    multiValued: true,
  });
}

const readOnlyRef = (name: string, referenceTypes: readonly string[]) =>
  attr(name, 'reference', { mutability: 'immutable', caseExact: true, referenceTypes });

export const USER_SCHEMA: SchemaDef = {
  id: CORE_USER,
  name: 'User',
  description: 'User Account',
  attributes: [
    str('userName', {
      required: true,
      uniqueness: 'server',
      description: 'Unique identifier for the User (case-insensitive).',
    }),
    complex('name', [
      str('formatted'),
      str('familyName'),
      str('givenName'),
      str('middleName'),
      str('honorificPrefix'),
      str('honorificSuffix'),
    ]),
    str('displayName'),
    str('nickName'),
    attr('profileUrl', 'reference', { referenceTypes: ['external'] }),
    str('title'),
    str('userType'),
    str('preferredLanguage'),
    str('locale'),
    str('timezone'),
    attr('active', 'boolean', { description: 'false: the account cannot sign in and its sessions end.' }),
    str('password', {
      mutability: 'writeOnly',
      returned: 'never',
      description: 'Never stored (docs/scim.md).',
    }),
    multi('emails', 'string', ['work', 'home', 'other']),
    multi('phoneNumbers', 'string', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multi('ims'),
    multi('photos', 'reference', ['photo', 'thumbnail']),
    complex(
      'addresses',
      [
        str('formatted'),
        str('streetAddress'),
        str('locality'),
        str('region'),
        str('postalCode'),
        str('country'),
        str('type', { canonicalValues: ['work', 'home', 'other'] }),
        attr('primary', 'boolean'),
      ],
      { multiValued: true },
    ),
    complex(
      'groups',
      [
        str('value', { mutability: 'readOnly', caseExact: true }),
        attr('$ref', 'reference', { mutability: 'readOnly', caseExact: true, referenceTypes: ['Group'] }),
        str('display', { mutability: 'readOnly' }),
        str('type', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
      ],
      {
        multiValued: true,
        mutability: 'readOnly',
        description: 'Derived from team memberships (read-only).',
      },
    ),
    multi('entitlements'),
    multi('roles'),
    multi('x509Certificates', 'binary'),
  ],
};

export const ENTERPRISE_SCHEMA: SchemaDef = {
  id: ENTERPRISE_USER,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber'),
    str('costCenter'),
    str('organization'),
    str('division'),
    str('department'),
    complex('manager', [
      str('value', { caseExact: true }),
      readOnlyRef('$ref', ['User']),
      str('displayName', { mutability: 'readOnly' }),
    ]),
  ],
};

export const GROUP_SCHEMA: SchemaDef = {
  id: CORE_GROUP,
  name: 'Group',
  description: 'Group',
  attributes: [
    str('displayName', { required: true, uniqueness: 'server' }),
    complex(
      'members',
      [
        str('value', { mutability: 'immutable', caseExact: true }),
        readOnlyRef('$ref', ['User', 'Group']),
        str('display', { mutability: 'readOnly' }),
        str('type', { mutability: 'immutable', canonicalValues: ['User'] }),
      ],
      { multiValued: true },
    ),
  ],
};

/** Attributes every resource has (RFC 7643 §3.1), resolved before schema attributes. */
export const COMMON_ATTRIBUTES: readonly AttrDef[] = [
  str('id', { mutability: 'readOnly', returned: 'always', caseExact: true, uniqueness: 'server' }),
  str('externalId', { caseExact: true }),
  complex(
    'meta',
    [
      str('resourceType', { mutability: 'readOnly', caseExact: true }),
      attr('created', 'dateTime', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', { mutability: 'readOnly' }),
      attr('location', 'reference', { mutability: 'readOnly', caseExact: true }),
      str('version', { mutability: 'readOnly', caseExact: true }),
    ],
    { mutability: 'readOnly' },
  ),
];

/**
 * Whether an attribute key is a schema URI, under which an extension's attributes sit (RFC 7643
 * §3): a URN, or a URL such as Entra ID's `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`.
 * No attribute name looks like one (RFC 7643 §2.1: ALPHA *(nameChar)).
 */
export const isSchemaUri = (key: string): boolean => /^(?:urn:|https?:\/\/)/i.test(key);

/** The extension schemas a resource's stored attributes hold, for its `schemas`. */
export const extensionsOf = (attributes: object): string[] => Object.keys(attributes).filter(isSchemaUri);

/**
 * Copies stored attributes into a resource body. An extension declared in `schemas` with no
 * attribute of ours is stored as `{}` (so that it stays declared) and is not sent as a value.
 */
export function assignAttributes(target: Record<string, unknown>, attributes: Record<string, unknown>): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (isEmptyObject(value) && isSchemaUri(key)) continue;
    target[key] = value;
  }
}

const isEmptyObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;

export interface ResourceSchema {
  readonly resourceType: 'User' | 'Group';
  readonly endpoint: string;
  readonly core: SchemaDef;
  readonly extensions: readonly SchemaDef[];
}

export const USER_RESOURCE: ResourceSchema = {
  resourceType: 'User',
  endpoint: '/Users',
  core: USER_SCHEMA,
  extensions: [ENTERPRISE_SCHEMA],
};

export const GROUP_RESOURCE: ResourceSchema = {
  resourceType: 'Group',
  endpoint: '/Groups',
  core: GROUP_SCHEMA,
  extensions: [],
};

// Attribute lists are static schema data: each gets its case-insensitive index once.
const indexes = new WeakMap<readonly AttrDef[], ReadonlyMap<string, AttrDef>>();

/** The attribute of `list` named `name`, case-insensitively (RFC 7643 §2.1); the first wins. */
export function findAttr(list: readonly AttrDef[] | undefined, name: string): AttrDef | undefined {
  if (!list) return undefined;
  let index = indexes.get(list);
  if (!index) {
    const built = new Map<string, AttrDef>();
    for (const def of list) if (!built.has(def.name.toLowerCase())) built.set(def.name.toLowerCase(), def);
    indexes.set(list, built);
    index = built;
  }
  return index.get(name.toLowerCase());
}
