import { Schema } from 'mongoose';

/** Sub-documents are stored inline: no `_id`, no version key. */
export const subdocument = { versionKey: false, _id: false } as const;

export type RecordSourceDoc = 'scim' | 'admin' | 'sso';

export interface EntryDoc {
  value?: string;
  type?: string;
  primary?: boolean;
}

export const entrySchema = new Schema<EntryDoc>(
  { value: String, type: String, primary: Boolean },
  subdocument,
);

export interface AccessRuleDoc {
  ssoEnabled: boolean;
  ssoConfigurationId?: string;
  allowedGroupIds: string[];
}

export const accessRuleSchema = new Schema<AccessRuleDoc>(
  {
    ssoEnabled: { type: Boolean, required: true },
    ssoConfigurationId: String,
    allowedGroupIds: { type: [String], default: [] },
  },
  subdocument,
);
