// Public API of @adagen/natsconf: nats-server configuration for an AdaGen fleet.
export type { Principal, Role, RoleWithId, SharedRole } from './roles.js';
export {
  ROLES,
  ROLES_WITH_ID,
  ROLE_PURPOSE,
  isRoleWithId,
  principal,
  principalName,
} from './roles.js';
export type { PermissionOptions, Permissions, SubjectPermission } from './permissions.js';
export { SERVICE_API, inboxPrefixFor, permissionsFor } from './permissions.js';
export type { FleetSpec, FleetSpecInput, TlsSpec } from './fleet.js';
export {
  SYSTEM_PRINCIPAL,
  fleetSpecSchema,
  parseFleetSpec,
  passwordEnvName,
  principalsOf,
  tlsSpecSchema,
  usersOf,
} from './fleet.js';
export type { PublicKeys } from './render.js';
export { renderNatsConfig } from './render.js';
export { fitsPattern, isAllowed } from './subject-match.js';
export { permissionMatrix } from './matrix.js';
export { NATS_SERVER_PLACES, findNatsServer } from './binary.js';
