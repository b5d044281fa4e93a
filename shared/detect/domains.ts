/** The tenant's accepted domains, as both the decision and the origin rules read them (pure). */

/** Accepted domains match exactly; a "*.contoso.com" entry also matches its subdomains. */
export function isAcceptedDomain(address: string, domains: readonly string[]): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return domains.some((d) => {
    const accepted = d.toLowerCase();
    if (accepted.startsWith('*.')) return domain === accepted.slice(2) || domain.endsWith(accepted.slice(1));
    return domain === accepted;
  });
}
