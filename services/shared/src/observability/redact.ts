// What may be shown of settings and error text: credentials are masked before anything is logged or served.

/**
 * True for variable names whose values must never be logged. User names count: on hosted registries the
 * user name is the API key.
 */
export function isSecretName(name: string): boolean {
  return /PASSWORD|SECRET|TOKEN|CREDENTIAL|USERNAME/i.test(name);
}

/**
 * `text` (a log line, an error message) with the user and password of every URL in it masked:
 * `https://***@host/`. The user info of a URL ends at its last `@` before the path (a raw `@` in a password
 * is invalid, but seen). A `user:password@host` with no scheme is masked too, when the user starts with a
 * letter (so `10:30:00@node` stays). Free text cannot show where a password with a space in it ends;
 * settings are masked whole by maskSettingValue. Cassandra's refusal of a login names the user, which is
 * masked too ("Provided username *** and/or password are incorrect").
 */
export function maskUrlCredentials(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/+)[^\s/?#"'<>@]*(?:@[^\s/?#"'<>@]*)*@/gi, '$1***@')
    .replace(/(^|[\s"'(<=,])[A-Za-z][^\s"'(<=,@/:]*:(?!\/)[^\s"'@/]*(?:@[^\s"'@/]*)*@/g, '$1***@')
    .replace(/(Provided username ).*?( and\/or password)/g, '$1***$2');
}

/**
 * One setting's value, safe to show: if it holds an `@`, everything before the last one (after a scheme)
 * is masked, whatever else it holds. Unlike a log line, a setting is one value, so a password with a space
 * in it (which the URL parser accepts) is masked whole.
 */
export function maskSettingValue(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0) return value; // no user part: "@hourly" is a schedule, not a credential
  const scheme = /^[a-z][a-z0-9+.-]*:\/+/i.exec(value)?.[0] ?? '';
  return `${scheme}***${value.slice(at)}`;
}
