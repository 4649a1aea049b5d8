import { randomBytes } from 'node:crypto';

export type GroupRole = 'superadmin' | 'admin' | 'member';

/** A group chat as the server keeps it. */
export class Group {
  readonly participants = new Map<string, GroupRole>();
  subjectOwner: string;
  subjectTime: number;
  /** Only admins may send messages. */
  announce = false;
  /** Only admins may edit the group info. */
  locked = false;
  description: { id: string; text: string } | undefined;
  ephemeralSeconds = 0;
  inviteCode = randomBytes(16).toString('base64url').slice(0, 22);

  constructor(
    readonly id: string,
    public subject: string,
    readonly creator: string,
    readonly creation: number,
  ) {
    this.subjectOwner = creator;
    this.subjectTime = creation;
  }

  isAdmin(userJid: string): boolean {
    const role = this.participants.get(userJid);
    return role === 'admin' || role === 'superadmin';
  }

  revokeInvite(): string {
    this.inviteCode = randomBytes(16).toString('base64url').slice(0, 22);
    return this.inviteCode;
  }
}

/** Every group on the emulated network, by `<id>@g.us`. */
export class GroupDirectory {
  private readonly groups = new Map<string, Group>();
  private lastId = 0;

  create(subject: string, creatorJid: string): Group {
    const creation = Math.floor(Date.now() / 1000);
    const creatorNumber = creatorJid.split('@')[0]!;
    const id = `${creatorNumber}-${creation}${String(++this.lastId).padStart(4, '0')}@g.us`;
    const group = new Group(id, subject, creatorJid, creation);
    group.participants.set(creatorJid, 'superadmin');
    this.groups.set(id, group);
    return group;
  }

  get(id: string): Group | undefined {
    return this.groups.get(id);
  }

  byInviteCode(code: string): Group | undefined {
    for (const group of this.groups.values()) {
      if (group.inviteCode === code) {
        return group;
      }
    }
    return undefined;
  }

  participating(userJid: string): Group[] {
    return [...this.groups.values()].filter((group) => group.participants.has(userJid));
  }
}
