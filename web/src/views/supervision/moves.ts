// The steps a supervisor may take in a complaint at each status, as the server's state machine
// (domain/complaints.go) allows them; resolving and rejecting need a reply.
export type ComplaintAction = 'accept' | 'investigate' | 'resolve' | 'reject';

const moves: Record<string, ComplaintAction[]> = {
  submitted: ['accept', 'reject'],
  accepted: ['investigate', 'resolve', 'reject'],
  investigating: ['resolve', 'reject'],
};

export function complaintMoves(status: string): ComplaintAction[] {
  return moves[status] ?? [];
}

export function replyRequired(action: ComplaintAction): boolean {
  return action === 'resolve' || action === 'reject';
}
