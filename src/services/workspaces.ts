import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../domain/context.js';
import { NotFoundError } from '../domain/errors.js';
import type { Workspace } from '../domain/types.js';
import { tenantRepositories } from '../db/repositories.js';
import { defaultRule, getAccessPolicies, normaliseRule, type AccessRuleInput } from './access-policies.js';
import { recordAudit } from './audit.js';
import { assertMayReadWorkspace, readsEverything, visibleWorkspaces } from './read-policy.js';
import { optionalText, requiredText } from './validate.js';

export interface WorkspaceInput {
  name: string;
  description?: string | undefined;
}

export async function createWorkspace(
  ctx: ServiceContext,
  input: WorkspaceInput & { access?: AccessRuleInput },
): Promise<Workspace> {
  const now = new Date();
  const accessOverride = input.access ? await normaliseRule(ctx, defaultRule, input.access) : undefined;
  const ws = await tenantRepositories(ctx.tenantId).workspaces.insert({
    id: randomUUID(),
    name: requiredText(input.name, 'name', 200).trim(),
    description: optionalText(input.description, 'description', 2000),
    accessOverride,
    createdAt: now,
    updatedAt: now,
  });
  recordAudit(ctx, 'workspace.create', { type: 'workspace', id: ws.id }, { name: ws.name });
  return ws;
}

export async function getWorkspace(ctx: ServiceContext, id: string): Promise<Workspace> {
  const ws = await tenantRepositories(ctx.tenantId).workspaces.findById(id);
  if (!ws) throw new NotFoundError('workspace', id);
  return ws;
}

/** A workspace looked up by id for a reader (read-policy.ts: one they may enter, or any for admins). */
export async function readWorkspace(ctx: ServiceContext, id: string): Promise<Workspace> {
  const ws = await getWorkspace(ctx, id);
  await assertMayReadWorkspace(ctx, ws, () => getAccessPolicies(ctx));
  return ws;
}

/** At most this many workspaces are examined for a reader who sees only those they may enter. */
const maxWorkspacesExamined = 1000;

/** Workspaces by name, keyset-paginated: all of them for admins, those they may enter for others (read-policy.ts). */
export async function listWorkspaces(
  ctx: ServiceContext,
  opts: { after?: { key: string; id: string } | undefined; limit: number },
): Promise<Workspace[]> {
  const repo = tenantRepositories(ctx.tenantId).workspaces;
  if (readsEverything(ctx)) return repo.list({ afterName: opts.after, limit: opts.limit });
  const all = await repo.list({ afterName: opts.after, limit: maxWorkspacesExamined });
  return (await visibleWorkspaces(ctx, all, () => getAccessPolicies(ctx))).slice(0, opts.limit);
}

export function workspaceSortKey(w: Workspace): string {
  return w.name.toLowerCase();
}

export async function updateWorkspace(
  ctx: ServiceContext,
  id: string,
  changes: Partial<WorkspaceInput>,
): Promise<Workspace> {
  const current = await getWorkspace(ctx, id);
  const next: Workspace = {
    ...current,
    name: changes.name === undefined ? current.name : requiredText(changes.name, 'name', 200).trim(),
    description:
      changes.description === undefined
        ? current.description
        : optionalText(changes.description, 'description', 2000),
    updatedAt: new Date(),
  };
  if (!(await tenantRepositories(ctx.tenantId).workspaces.replace(next)))
    throw new NotFoundError('workspace', id);
  recordAudit(ctx, 'workspace.update', { type: 'workspace', id }, { ...changes });
  return next;
}

/** Overrides the workspace defaults for this workspace. Unnamed fields start from the current effective rule. */
export async function setWorkspaceAccess(
  ctx: ServiceContext,
  id: string,
  input: AccessRuleInput,
): Promise<Workspace> {
  const current = await getWorkspace(ctx, id);
  const base =
    current.accessOverride ??
    (await tenantRepositories(ctx.tenantId).accessPolicies.get())?.workspaceDefaults ??
    defaultRule;
  const rule = await normaliseRule(ctx, base, input);
  const next: Workspace = { ...current, accessOverride: rule, updatedAt: new Date() };
  if (!(await tenantRepositories(ctx.tenantId).workspaces.replace(next)))
    throw new NotFoundError('workspace', id);
  recordAudit(ctx, 'workspace.access.override', { type: 'workspace', id }, { ...rule });
  return next;
}

/** Drops the override: the workspace defaults apply again. */
export async function resetWorkspaceAccess(ctx: ServiceContext, id: string): Promise<Workspace> {
  const current = await getWorkspace(ctx, id);
  const next: Workspace = { ...current, accessOverride: undefined, updatedAt: new Date() };
  if (!(await tenantRepositories(ctx.tenantId).workspaces.replace(next)))
    throw new NotFoundError('workspace', id);
  recordAudit(ctx, 'workspace.access.reset', { type: 'workspace', id });
  return next;
}

export async function deleteWorkspace(ctx: ServiceContext, id: string): Promise<void> {
  if (!(await tenantRepositories(ctx.tenantId).workspaces.delete(id)))
    throw new NotFoundError('workspace', id);
  recordAudit(ctx, 'workspace.delete', { type: 'workspace', id });
}
