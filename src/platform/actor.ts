/** Who acts: travels with each request into the audit trail (docs/security.md, audit trail). */
export type ActorType = 'operator' | 'admin_token' | 'scim_token' | 'setup_link' | 'user' | 'system';

export interface Actor {
  readonly type: ActorType;
  readonly id: string | null;
}
