import mongoose, { Schema } from 'mongoose';
import { entrySchema, subdocument, type EntryDoc, type RecordSourceDoc } from './shared.js';

export interface AddressDoc {
  type?: string;
  formatted?: string;
  streetAddress?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country?: string;
  primary?: boolean;
}

const addressSchema = new Schema<AddressDoc>(
  {
    type: String,
    formatted: String,
    streetAddress: String,
    locality: String,
    region: String,
    postalCode: String,
    country: String,
    primary: Boolean,
  },
  subdocument,
);

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
  addresses: AddressDoc[];
  externalId?: string;
  department?: string;
  departmentLower?: string;
  formattedName?: string;
  middleName?: string;
  honorificPrefix?: string;
  honorificSuffix?: string;
  nickName?: string;
  title?: string;
  titleLower?: string;
  userType?: string;
  preferredLanguage?: string;
  locale?: string;
  timezone?: string;
  profileUrl?: string;
  employeeNumber?: string;
  costCenter?: string;
  organization?: string;
  division?: string;
  /** The manager's user id (same tenant); unset when the manager is deleted. */
  managerId?: string;
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
    addresses: { type: [addressSchema], default: [] },
    externalId: String,
    department: String,
    departmentLower: String,
    formattedName: String,
    middleName: String,
    honorificPrefix: String,
    honorificSuffix: String,
    nickName: String,
    title: String,
    titleLower: String,
    userType: String,
    preferredLanguage: String,
    locale: String,
    timezone: String,
    profileUrl: String,
    employeeNumber: String,
    costCenter: String,
    organization: String,
    division: String,
    managerId: String,
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
// an org chart: a manager's direct reports by name (GraphQL directReports, SCIM manager.value eq), and the
// GraphQL filters on department and title
userSchema.index({ tenantId: 1, managerId: 1, userNameLower: 1 });
userSchema.index({ tenantId: 1, departmentLower: 1 });
userSchema.index({ tenantId: 1, titleLower: 1 });

export const UserModel = mongoose.model<UserDoc>('User', userSchema);
