import type { AccessRule, Workspace } from '../domain/types.js';
import { guarded } from './errors.js';
import { WorkspaceModel, type AccessRuleDoc, type WorkspaceDoc } from './models/index.js';
import { budget, clean, versionIs } from './reads.js';

export function toAccessRule(d: AccessRuleDoc): AccessRule {
  return clean({
    ssoEnabled: d.ssoEnabled,
    ssoConfigurationId: d.ssoConfigurationId,
    allowedGroupIds: [...(d.allowedGroupIds ?? [])],
  });
}

function toDoc(tenantId: string, ws: Omit<Workspace, 'tenantId'>): WorkspaceDoc {
  const { id, ...rest } = ws;
  return clean({ ...rest, _id: id, tenantId, nameLower: ws.name.toLowerCase() });
}

function toWorkspace(d: WorkspaceDoc): Workspace {
  return clean({
    id: d._id,
    tenantId: d.tenantId,
    name: d.name,
    description: d.description,
    accessOverride: d.accessOverride ? toAccessRule(d.accessOverride) : undefined,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    version: d.version ?? 0,
  });
}

/** Workspaces of one tenant. */
export function createWorkspaceQueries(tenantId: string) {
  return guarded(
    {
      async insert(ws: Omit<Workspace, 'tenantId'>): Promise<Workspace> {
        const [doc] = await WorkspaceModel.insertMany([toDoc(tenantId, ws)], { lean: false });
        return toWorkspace(doc!.toObject() as WorkspaceDoc);
      },
      async findById(id: string): Promise<Workspace | undefined> {
        const d = await WorkspaceModel.findOne({ tenantId, _id: id }).lean<WorkspaceDoc>();
        return d ? toWorkspace(d) : undefined;
      },
      /** By lower-case name (unique in the tenant), keyset-paginated after a name. */
      async list(opts: { afterName?: { key: string } | undefined; limit: number }): Promise<Workspace[]> {
        const docs = await WorkspaceModel.find({
          tenantId,
          ...(opts.afterName ? { nameLower: { $gt: opts.afterName.key } } : {}),
        })
          .sort({ nameLower: 1 })
          .limit(opts.limit)
          .maxTimeMS(budget)
          .lean<WorkspaceDoc[]>();
        return docs.map(toWorkspace);
      },
      /** Replaces the workspace if its version is still `expectedVersion`; undefined when it is not. */
      async replace(ws: Workspace, expectedVersion: number): Promise<Workspace | undefined> {
        const doc = toDoc(tenantId, ws);
        const res = await WorkspaceModel.replaceOne(
          { _id: doc._id, tenantId, ...versionIs(expectedVersion) },
          doc,
          {
            runValidators: true,
          },
        );
        return res.matchedCount === 1 ? ws : undefined;
      },
      async delete(id: string): Promise<boolean> {
        return (await WorkspaceModel.deleteOne({ tenantId, _id: id })).deletedCount === 1;
      },
      /** Whether any workspace's access override uses this SSO configuration. */
      async anyUsesSsoConfiguration(ssoConfigurationId: string): Promise<boolean> {
        return (
          (await WorkspaceModel.exists({
            tenantId,
            'accessOverride.ssoConfigurationId': ssoConfigurationId,
          })) !== null
        );
      },
    },
    { resource: 'workspace', unique: { nameLower: 'name', _id: 'id' } },
  );
}

export type WorkspaceQueries = ReturnType<typeof createWorkspaceQueries>;
