import type { FieldBody } from '../../schemas/modules.ts';

/**
 * The modules every installation starts with. Field names are X2CRM's, so flows and CSV
 * files exported from X2CRM map onto Weft without renaming. Dropdown values are kept
 * inline (`choices`) until a managed dropdown replaces them.
 */
export interface StandardModule {
  name: string;
  label: string;
  itemName: string;
  displayFields: string[];
  fields: FieldBody[];
}

const text = (name: string, label: string, extra: Partial<FieldBody> = {}): FieldBody => ({
  name,
  label,
  type: 'text',
  ...extra,
});
const typed = (name: string, label: string, type: FieldBody['type'], extra: Partial<FieldBody> = {}) => ({
  name,
  label,
  type,
  ...extra,
});
const dropdown = (name: string, label: string, choices: string[]): FieldBody => ({
  name,
  label,
  type: 'dropdown',
  options: { choices },
});
const leadSources = ['None', 'Google', 'Facebook', 'Twitter', 'Web', 'Referral', 'Trade Show', 'Other'];
const address = [
  text('address', 'Address'),
  text('city', 'City'),
  text('state', 'State'),
  text('zipcode', 'Postal Code', { options: { maxLength: 20 } }),
  text('country', 'Country'),
];

export const standardModules: StandardModule[] = [
  {
    name: 'contacts',
    label: 'Contacts',
    itemName: 'Contact',
    displayFields: ['firstName', 'lastName'],
    fields: [
      text('firstName', 'First Name', { required: true, searchable: true }),
      text('lastName', 'Last Name', { required: true, searchable: true }),
      text('title', 'Title'),
      typed('company', 'Account', 'link', { options: { module: 'accounts' } }),
      typed('email', 'Email', 'email', { searchable: true }),
      typed('phone', 'Phone', 'phone', { searchable: true }),
      typed('website', 'Website', 'url'),
      ...address,
      dropdown('leadSource', 'Lead Source', leadSources),
      dropdown('leadStatus', 'Lead Status', [
        'Unassigned',
        'Assigned',
        'Accepted',
        'Working',
        'Dead',
        'Rejected',
      ]),
      dropdown('leadtype', 'Lead Type', ['None', 'Web', 'In Person', 'Phone', 'E-Mail']),
      typed('rating', 'Rating', 'rating', { options: { max: 5 } }),
      typed('dealvalue', 'Deal Value', 'currency', { options: { currency: 'USD' } }),
      typed('doNotEmail', 'Do Not Email', 'boolean', { defaultValue: false }),
      typed('doNotCall', 'Do Not Call', 'boolean', { defaultValue: false }),
      typed('backgroundInfo', 'Background Info', 'longText'),
    ],
  },
  {
    name: 'accounts',
    label: 'Accounts',
    itemName: 'Account',
    displayFields: ['name'],
    fields: [
      text('name', 'Name', { required: true, searchable: true }),
      typed('website', 'Website', 'url', { searchable: true }),
      dropdown('type', 'Type', ['Customer', 'Partner', 'Prospect', 'Vendor', 'Other']),
      text('industry', 'Industry'),
      typed('annualRevenue', 'Revenue', 'currency', { options: { currency: 'USD' } }),
      typed('employees', 'Employees', 'number', { options: { decimals: 0 } }),
      typed('phone', 'Phone', 'phone', { searchable: true }),
      text('tickerSymbol', 'Symbol', { options: { maxLength: 10 } }),
      ...address,
      dropdown('leadSource', 'Lead Source', leadSources),
      typed('description', 'Description', 'longText'),
    ],
  },
  {
    name: 'opportunities',
    label: 'Opportunities',
    itemName: 'Opportunity',
    displayFields: ['name'],
    fields: [
      text('name', 'Name', { required: true, searchable: true }),
      typed('accountName', 'Account', 'link', { options: { module: 'accounts' } }),
      typed('quoteAmount', 'Quote Amount', 'currency', { options: { currency: 'USD' } }),
      dropdown('salesStage', 'Sales Stage', ['Working', 'Won', 'Lost']),
      typed('probability', 'Probability', 'percentage'),
      typed('closeDate', 'Expected Close Date', 'date'),
      dropdown('leadSource', 'Lead Source', leadSources),
      typed('description', 'Description', 'longText'),
    ],
  },
  {
    name: 'cases',
    label: 'Service Cases',
    itemName: 'Case',
    displayFields: ['name'],
    fields: [
      text('name', 'Name', { required: true, searchable: true }),
      typed('contactId', 'Contact', 'link', { options: { module: 'contacts' } }),
      typed('accountName', 'Account', 'link', { options: { module: 'accounts' } }),
      dropdown('impact', 'Impact', ['1 - Severe', '2 - Critical', '3 - Moderate', '4 - Minor']),
      dropdown('status', 'Status', [
        'New',
        'Work In Progress',
        'Pending Customer',
        'Closed - Resolved',
        'Closed - No Response',
      ]),
      dropdown('origin', 'Origin', ['Email', 'Web', 'Phone', 'In Person']),
      dropdown('mainIssue', 'Main Issue', ['General Request', 'Billing', 'Technical', 'Complaint']),
      dropdown('subIssue', 'Sub Issue', ['Question', 'Outage', 'Bug', 'Feature Request', 'Other']),
      typed('description', 'Description', 'longText', { searchable: true }),
      typed('resolution', 'Resolution', 'longText'),
    ],
  },
  {
    name: 'tasks',
    label: 'Tasks',
    itemName: 'Task',
    displayFields: ['subject'],
    fields: [
      text('subject', 'Subject', { required: true, searchable: true }),
      typed('description', 'Description', 'longText', { searchable: true }),
      typed('dueDate', 'Due Date', 'dateTime'),
      dropdown('priority', 'Priority', ['Low', 'Medium', 'High']),
      typed('complete', 'Complete', 'boolean', { defaultValue: false }),
      typed('completeDate', 'Date Completed', 'dateTime'),
      // X2CRM's "associated record": which module, and which record of it.
      text('associationType', 'Association Type', { options: { maxLength: 40 } }),
      typed('associationId', 'Associated Record', 'link', { options: { moduleField: 'associationType' } }),
    ],
  },
  {
    // X2CRM's internal bug tracker (its "bug reports" module, for a company's IT team).
    name: 'bugreports',
    label: 'Bug Reports',
    itemName: 'Bug Report',
    displayFields: ['name'],
    fields: [
      text('name', 'Subject', { required: true, searchable: true }),
      dropdown('status', 'Status', [
        'Unconfirmed',
        'Confirmed',
        'In Progress',
        'Fixed',
        'Closed',
        "Won't Fix",
      ]),
      dropdown('type', 'Type', ['Bug', 'Feature Request', 'Task']),
      dropdown('severity', 'Severity', [
        '1 - Blocker',
        '2 - Critical',
        '3 - Major',
        '4 - Minor',
        '5 - Trivial',
      ]),
      text('environment', 'Code Environment', { options: { maxLength: 200 } }),
      text('subsystem', 'Subsystem'),
      typed('description', 'Description', 'longText', { searchable: true }),
      typed('duplicateOf', 'Duplicate Of', 'link', { options: { module: 'bugreports' } }),
    ],
  },
];

/** The fields every module has, backed by the columns every records table is created with. */
export const systemFields: FieldBody[] = [
  typed('assignedTo', 'Assigned To', 'assignment'),
  typed('visibility', 'Visibility', 'visibility', { required: true, defaultValue: 'public' }),
  typed('tags', 'Tags', 'tags', { defaultValue: [] }),
  typed('createdBy', 'Created By', 'assignment', { readOnly: true }),
  typed('createdAt', 'Created', 'dateTime', { readOnly: true }),
  typed('updatedAt', 'Updated', 'dateTime', { readOnly: true }),
];

/** Custom modules start with X2CRM's custom-module fields. */
export const customModuleFields: FieldBody[] = [
  text('name', 'Name', { required: true, searchable: true }),
  typed('description', 'Description', 'longText'),
];
