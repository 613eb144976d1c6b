import mongoose, { Schema } from 'mongoose';

/**
 * One document per (group, user). `_id` is deterministic (`groupId:userId`): adding is an insert (a duplicate key
 * means "already a member"), removing is a delete. Concurrent adds and removes never lose each other, and a group
 * may have any number of members without any document growing.
 */
export interface MembershipDoc {
  _id: string;
  tenantId: string;
  groupId: string;
  userId: string;
  createdAt: Date;
}

const membershipSchema = new Schema<MembershipDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    groupId: { type: String, required: true },
    userId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'memberships' },
);
membershipSchema.index({ tenantId: 1, groupId: 1, userId: 1 }, { unique: true });
membershipSchema.index({ tenantId: 1, userId: 1, groupId: 1 });

export const MembershipModel = mongoose.model<MembershipDoc>('Membership', membershipSchema);
