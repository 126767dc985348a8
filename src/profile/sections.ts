/** The top-level sections of the TMT profile (body of PUT /v1/profile). */
export const PROFILE_SECTIONS = [
  'generalInfo',
  'employments',
  'educations',
  'projects',
  'businessActivities',
  'languageSkills',
  'certifications',
  'drivingLicenses',
  'externalLinks',
  'experienceDescription',
  'jobPreferenceDescription',
] as const;

export type ProfileSection = (typeof PROFILE_SECTIONS)[number];

/** Sections that are lists of items (at most 20 each). */
export const LIST_SECTIONS: ReadonlySet<ProfileSection> = new Set(['employments', 'educations', 'projects', 'businessActivities', 'languageSkills', 'externalLinks']);

export function isProfileSection(s: string): s is ProfileSection {
  return (PROFILE_SECTIONS as readonly string[]).includes(s);
}

export type Profile = Partial<Record<ProfileSection, unknown>>;
