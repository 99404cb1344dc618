// Where in the console an object of the supervisor's lists is shown.
export function objectLink(kind: string, id: string): string {
  switch (kind) {
    case 'case': return '/cases/' + encodeURIComponent(id);
    case 'complaint': return '/complaints/' + encodeURIComponent(id);
    case 'callback': return '/callbacks/' + encodeURIComponent(id);
    case 'order': return '/supervision-orders/' + encodeURIComponent(id);
    case 'problem': return '/problems';
    default: return '';
  }
}
