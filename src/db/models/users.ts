import mongoose, { Schema } from 'mongoose';
import { entrySchema, type EntryDoc, type RecordSourceDoc } from './shared.js';

export interface UserDoc {
  _id: string;
  tenantId: string;
  userName: string;
  userNameLower: string;
  active: boolean;
  givenName?: string;
  givenNameLower?: string;
  familyName?: string;
  familyNameLower?: string;
  displayName?: string;
  displayNameLower?: string;
  emails: EntryDoc[];
  phoneNumbers: EntryDoc[];
  /** Lower-case copies of the entries' values: "some entry's value equals x" is one array-contains lookup. */
  emailsLower: string[];
  phoneNumbersLower: string[];
  externalId?: string;
  department?: string;
  departmentLower?: string;
  entraObjectId?: string;
  /** Lower-case names and e-mail addresses, for substring search (one trigram index on the embedded database). */
  searchText: string;
  source: RecordSourceDoc;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

const userSchema = new Schema<UserDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    userName: { type: String, required: true },
    userNameLower: { type: String, required: true },
    active: { type: Boolean, required: true },
    givenName: String,
    givenNameLower: String,
    familyName: String,
    familyNameLower: String,
    displayName: String,
    displayNameLower: String,
    emails: { type: [entrySchema], default: [] },
    phoneNumbers: { type: [entrySchema], default: [] },
    emailsLower: { type: [String], default: [] },
    phoneNumbersLower: { type: [String], default: [] },
    externalId: String,
    department: String,
    departmentLower: String,
    entraObjectId: String,
    searchText: { type: String, required: true, substringSearch: true },
    source: { type: String, required: true, enum: ['scim', 'admin', 'sso'] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { versionKey: false, collection: 'users' },
);
userSchema.index({ tenantId: 1, userNameLower: 1 }, { unique: true });
userSchema.index({ tenantId: 1, _id: 1 }); // SCIM's pages, a workspace's effective members
userSchema.index({ tenantId: 1, externalId: 1 });
userSchema.index({ tenantId: 1, entraObjectId: 1 });
userSchema.index({ tenantId: 1, emailsLower: 1 });
userSchema.index({ tenantId: 1, phoneNumbersLower: 1 });
userSchema.index({ tenantId: 1, displayNameLower: 1 });

export const UserModel = mongoose.model<UserDoc>('User', userSchema);
