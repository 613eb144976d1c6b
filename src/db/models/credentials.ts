import mongoose, { Schema } from 'mongoose';

export interface CredentialDoc {
  _id: string;
  tenantId: string;
  kind: 'scim' | 'admin';
  /** SHA-256 of the token, hex. The token itself is never stored. */
  hash: string;
  label?: string;
  createdAt: Date;
  expiresAt?: Date;
}

const credentialSchema = new Schema<CredentialDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true, enum: ['scim', 'admin'] },
    hash: { type: String, required: true },
    label: String,
    createdAt: { type: Date, required: true },
    expiresAt: Date,
  },
  { versionKey: false, collection: 'credentials' },
);
credentialSchema.index({ hash: 1 }, { unique: true });
credentialSchema.index({ tenantId: 1, kind: 1, createdAt: -1 });

export const CredentialModel = mongoose.model<CredentialDoc>('Credential', credentialSchema);
