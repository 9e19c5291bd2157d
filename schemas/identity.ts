import type { FromSchema } from 'json-schema-to-ts';
import { uuid } from './common.ts';

/** Request and response shapes of users, groups, roles, sessions and tokens. */

const username = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$',
  description: '2–64 letters, digits, . _ @ -; cannot change.',
} as const;
const password = { type: 'string', minLength: 8, maxLength: 256 } as const;
const name = { type: 'string', maxLength: 100 } as const;
const optionalText = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;
const email = { type: ['string', 'null'], format: 'email', maxLength: 254 } as const;
const scope = { type: 'string', enum: ['none', 'own', 'groups', 'all'] } as const;

export const loginBody = {
  type: 'object',
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 256 },
  },
  required: ['username', 'password'],
  additionalProperties: false,
} as const;

export const userProfileProperties = {
  firstName: name,
  lastName: name,
  email,
  title: optionalText(100),
  phone: optionalText(40),
} as const;

export const userCreateBody = {
  type: 'object',
  properties: {
    username,
    password,
    ...userProfileProperties,
    active: { type: 'boolean' },
    roleIds: { type: 'array', items: uuid, uniqueItems: true },
    groupIds: { type: 'array', items: uuid, uniqueItems: true },
  },
  required: ['username', 'password'],
  additionalProperties: false,
} as const;

export const userUpdateBody = {
  type: 'object',
  properties: {
    ...userProfileProperties,
    active: { type: 'boolean' },
    available: { type: 'boolean', description: 'Whether lead routing may assign records to the user.' },
    roleIds: { type: 'array', items: uuid, uniqueItems: true },
    groupIds: { type: 'array', items: uuid, uniqueItems: true },
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

export const profileUpdateBody = {
  type: 'object',
  properties: {
    ...userProfileProperties,
    invisible: { type: 'boolean', description: 'Hide me from who-is-online and online-only routing.' },
    available: { type: 'boolean', description: 'Whether lead routing may assign records to me.' },
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

export const invitationBody = {
  type: 'object',
  properties: {
    email: { ...email, type: 'string' },
    username: {
      ...username,
      description: 'Defaults to one made from the email; the invitee may change it on accepting.',
    },
    firstName: name,
    lastName: name,
    roleIds: { type: 'array', items: uuid, uniqueItems: true },
    groupIds: { type: 'array', items: uuid, uniqueItems: true },
  },
  required: ['email'],
  additionalProperties: false,
} as const;

export const invitationTokenParams = {
  type: 'object',
  properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{20,128}$' } },
  required: ['token'],
  additionalProperties: false,
} as const;

export const invitationResponse = {
  type: 'object',
  properties: {
    username: { type: 'string' },
    firstName: { type: 'string' },
    lastName: { type: 'string' },
    email: { type: 'string' },
    appName: { type: 'string' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
  required: ['username', 'firstName', 'lastName', 'email', 'appName', 'expiresAt'],
  additionalProperties: false,
} as const;

export const invitationAcceptBody = {
  type: 'object',
  properties: { password, username },
  required: ['password'],
  additionalProperties: false,
} as const;

export const passwordResetBody = {
  type: 'object',
  properties: { password },
  required: ['password'],
  additionalProperties: false,
} as const;

export const passwordChangeBody = {
  type: 'object',
  properties: { currentPassword: { type: 'string', minLength: 1, maxLength: 256 }, newPassword: password },
  required: ['currentPassword', 'newPassword'],
  additionalProperties: false,
} as const;

export const userDeleteBody = {
  type: 'object',
  properties: {
    reassignTo: { ...uuid, description: 'The user who receives everything the deleted user owns.' },
  },
  required: ['reassignTo'],
  additionalProperties: false,
} as const;

export const userResponse = {
  type: 'object',
  properties: {
    id: uuid,
    username: { type: 'string' },
    firstName: { type: 'string' },
    lastName: { type: 'string' },
    email: { type: ['string', 'null'] },
    title: { type: ['string', 'null'] },
    phone: { type: ['string', 'null'] },
    active: { type: 'boolean' },
    invisible: { type: 'boolean' },
    available: { type: 'boolean' },
    isAdmin: { type: 'boolean' },
    roleIds: { type: 'array', items: uuid },
    groupIds: { type: 'array', items: uuid },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    lastLoginAt: { type: ['string', 'null'], format: 'date-time' },
    status: {
      type: 'string',
      enum: ['active', 'inactive', 'invited'],
      description: 'invited: has not accepted the emailed invitation yet (cannot sign in).',
    },
    invitationExpiresAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: "When an invited user's open invitation expires (null: none open).",
    },
  },
  required: [
    'id',
    'username',
    'firstName',
    'lastName',
    'email',
    'title',
    'phone',
    'active',
    'invisible',
    'available',
    'isAdmin',
    'roleIds',
    'groupIds',
    'createdAt',
    'updatedAt',
    'lastLoginAt',
    'status',
    'invitationExpiresAt',
  ],
  additionalProperties: false,
} as const;

/** A user as services hold it: timestamps are Dates until the serializer writes them. */
export type UserView = FromSchema<
  typeof userResponse,
  { deserialize: [{ pattern: { type: 'string'; format: 'date-time' }; output: Date }] }
>;

export const groupBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    description: optionalText(1000),
    memberIds: { type: 'array', items: uuid, uniqueItems: true },
  },
  required: ['name'],
  additionalProperties: false,
} as const;

export const groupPatchBody = { ...groupBody, required: [], minProperties: 1 } as const;

export const groupMembersBody = {
  type: 'object',
  properties: { userIds: { type: 'array', items: uuid, minItems: 1, uniqueItems: true } },
  required: ['userIds'],
  additionalProperties: false,
} as const;

export const permissionMatrix = {
  type: 'object',
  description: 'module (or "*" for every module not listed) → action → scope',
  propertyNames: { pattern: '^(\\*|[a-z][a-zA-Z0-9_]{0,62})$' },
  additionalProperties: {
    type: 'object',
    properties: { view: scope, create: scope, update: scope, delete: scope },
    additionalProperties: false,
  },
} as const;

export const roleBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    description: optionalText(1000),
    isAdmin: { type: 'boolean' },
    permissions: permissionMatrix,
  },
  required: ['name'],
  additionalProperties: false,
} as const;

export const rolePatchBody = { ...roleBody, required: [], minProperties: 1 } as const;

export const tokenBody = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['name'],
  additionalProperties: false,
} as const;

/** `GET /api/me/login-locations`: where the signed-in user signs in from (issue 20, profile page). */
export const loginLocationsResponse = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ip: { type: 'string' },
          place: {
            type: 'string',
            description: 'This computer, Local network or Internet (no geolocation database)',
          },
          signIns: { type: 'integer' },
          firstAt: { type: 'string', format: 'date-time' },
          lastAt: { type: 'string', format: 'date-time' },
        },
        required: ['ip', 'place', 'signIns', 'firstAt', 'lastAt'],
        additionalProperties: false,
      },
    },
  },
  required: ['items'],
  additionalProperties: false,
} as const;
