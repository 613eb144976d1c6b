import { randomUUID } from 'node:crypto';
import { type ServiceContext } from './context.js';
import { NotFoundError } from '../domain/errors.js';
import type { Workspace } from '../domain/types.js';
import { defaultRule, getAccessPolicies, normaliseRule, type AccessRuleInput } from './access-policies.js';
import { recordAudit } from './audit.js';
import { changeVersioned } from './optimistic.js';
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
  const ws = await ctx.db.workspaces.insert({
    id: randomUUID(),
    name: requiredText(input.name, 'name', 200).trim(),
    description: optionalText(input.description, 'description', 2000),
    accessOverride,
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  recordAudit(ctx, 'workspace.create', { type: 'workspace', id: ws.id }, { name: ws.name });
  return ws;
}

export async function getWorkspace(ctx: ServiceContext, id: string): Promise<Workspace> {
  const ws = await ctx.db.workspaces.findById(id);
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
  const repo = ctx.db.workspaces;
  if (readsEverything(ctx)) return repo.list({ afterName: opts.after, limit: opts.limit });
  const all = await repo.list({ afterName: opts.after, limit: maxWorkspacesExamined });
  return (await visibleWorkspaces(ctx, all, () => getAccessPolicies(ctx))).slice(0, opts.limit);
}

export function workspaceSortKey(w: Workspace): string {
  return w.name.toLowerCase();
}

/** Applies `change` to the workspace with optimistic concurrency (optimistic.ts). */
async function changeWorkspace(
  ctx: ServiceContext,
  id: string,
  change: (current: Workspace) => Promise<Omit<Workspace, 'version'>> | Omit<Workspace, 'version'>,
): Promise<Workspace> {
  const { record } = await changeVersioned(
    'workspace',
    id,
    () => ctx.db.workspaces.findById(id),
    async (current) => ({ ...(await change(current)), updatedAt: new Date(), version: current.version }),
    async (next, expected) => (await ctx.db.workspaces.replace(next, expected)) !== undefined,
  );
  return record;
}

export async function updateWorkspace(
  ctx: ServiceContext,
  id: string,
  changes: Partial<WorkspaceInput>,
): Promise<Workspace> {
  const next = await changeWorkspace(ctx, id, (current) => ({
    ...current,
    name: changes.name === undefined ? current.name : requiredText(changes.name, 'name', 200).trim(),
    description:
      changes.description === undefined
        ? current.description
        : optionalText(changes.description, 'description', 2000),
  }));
  recordAudit(ctx, 'workspace.update', { type: 'workspace', id }, { ...changes });
  return next;
}

/** Overrides the workspace defaults for this workspace. Unnamed fields start from the current effective rule. */
export async function setWorkspaceAccess(
  ctx: ServiceContext,
  id: string,
  input: AccessRuleInput,
): Promise<Workspace> {
  const next = await changeWorkspace(ctx, id, async (current) => {
    const base = current.accessOverride ?? (await getAccessPolicies(ctx)).workspaceDefaults;
    return { ...current, accessOverride: await normaliseRule(ctx, base, input) };
  });
  recordAudit(ctx, 'workspace.access.override', { type: 'workspace', id }, { ...next.accessOverride });
  return next;
}

/** Drops the override: the workspace defaults apply again. */
export async function resetWorkspaceAccess(ctx: ServiceContext, id: string): Promise<Workspace> {
  const next = await changeWorkspace(ctx, id, (current) => ({ ...current, accessOverride: undefined }));
  recordAudit(ctx, 'workspace.access.reset', { type: 'workspace', id });
  return next;
}

export async function deleteWorkspace(ctx: ServiceContext, id: string): Promise<void> {
  if (!(await ctx.db.workspaces.delete(id))) throw new NotFoundError('workspace', id);
  recordAudit(ctx, 'workspace.delete', { type: 'workspace', id });
}
