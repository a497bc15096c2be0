// Version comparison as go-livepeer's capability matching does it: semantic versions compared on
// their core (major.minor.patch) only — a pre-release or build suffix is ignored, so
// "0.0.1-rc" satisfies a minimum of "0.0.1". An unparsable version never satisfies a minimum.

export interface CoreVersion {
  major: number;
  minor: number;
  patch: number;
}

const SEMVER = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/;

export function parseCoreVersion(v: string): CoreVersion | undefined {
  const m = SEMVER.exec(v.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0) };
}

export function compareCore(a: CoreVersion, b: CoreVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** True when `min` is empty, or both parse and version ≥ min (cores only). */
export function satisfiesMinVersion(version: string | undefined, min: string | undefined): boolean {
  if (!min) return true;
  const want = parseCoreVersion(min);
  const have = version ? parseCoreVersion(version) : undefined;
  if (!want || !have) return false;
  return compareCore(have, want) >= 0;
}
