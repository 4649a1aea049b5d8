import {
  type BinaryNode,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  jidNormalizedUser,
} from '@whiskeysockets/baileys';
import type { DeviceRegistry } from '../state/device-registry';
import type { Group, GroupDirectory } from '../state/group-directory';
import { bytesOf, childrenOf, IqRejection, unixSeconds } from './nodes';

/** Persistent delivery to every device of a number (queued for offline ones). */
export type NumberDelivery = (number: string, stanza: BinaryNode) => void;

export type ParticipantChange = 'add' | 'remove' | 'promote' | 'demote';

const numberOf = (userJid: string): string => userJid.split('@')[0]!;

/**
 * Group state changes (`w:g2`) and the `w:gp2` notifications they cause: create, metadata,
 * participants, subject, description, settings, invite links, leave. Used by the iq handler for
 * linked devices and directly by emulated phones.
 */
export class GroupService {
  constructor(
    private readonly groups: GroupDirectory,
    private readonly registry: DeviceRegistry,
    private readonly deliver: NumberDelivery,
    private readonly nextStanzaId: () => string,
  ) {}

  /** Answers a `w:g2` iq from `actor` (a user jid); returns the children of the result. */
  handleIq(actor: string, iq: BinaryNode): BinaryNode[] {
    const [child] = childrenOf(iq);
    if (!child) {
      throw new IqRejection(400);
    }
    if (iq.attrs.to === '@g.us') {
      return this.handleServerIq(actor, iq.attrs.type, child);
    }
    const group = this.require(iq.attrs.to);
    if (iq.attrs.type === 'get' && child.tag === 'query') {
      this.requireMember(group, actor);
      return [this.metadataNode(group)];
    }
    switch (child.tag) {
      case 'add':
      case 'remove':
      case 'promote':
      case 'demote': {
        const jids = getBinaryNodeChildren(child, 'participant').map((p) => p.attrs.jid ?? '');
        const results = this.changeParticipants(actor, group, child.tag, jids);
        return [
          {
            tag: child.tag,
            attrs: {},
            content: results.map(({ jid, error }) => ({
              tag: 'participant',
              attrs: { jid, ...(error ? { error } : {}) },
            })),
          },
        ];
      }
      case 'subject':
        this.setSubject(actor, group, bytesOf(child)?.toString('utf-8') ?? '');
        return [];
      case 'description':
        this.requireEditor(group, actor);
        group.description =
          child.attrs.delete === 'true'
            ? undefined
            : {
                id: child.attrs.id ?? this.nextStanzaId(),
                text: bytesOf(getBinaryNodeChild(child, 'body'))?.toString() ?? '',
              };
        this.notify(group, actor, {
          tag: 'description',
          attrs: { id: group.description?.id ?? '' },
          content: group.description
            ? [{ tag: 'body', attrs: {}, content: Buffer.from(group.description.text) }]
            : [],
        });
        return [];
      case 'announcement':
      case 'not_announcement':
      case 'locked':
      case 'unlocked':
        this.requireAdmin(group, actor);
        if (child.tag === 'announcement' || child.tag === 'not_announcement') {
          group.announce = child.tag === 'announcement';
        } else {
          group.locked = child.tag === 'locked';
        }
        this.notify(group, actor, { tag: child.tag, attrs: {} });
        return [];
      case 'ephemeral':
      case 'not_ephemeral':
        this.requireEditor(group, actor);
        group.ephemeralSeconds = child.tag === 'ephemeral' ? Number(child.attrs.expiration ?? 0) : 0;
        this.notify(group, actor, child);
        return [];
      case 'invite':
        this.requireAdmin(group, actor);
        return [
          {
            tag: 'invite',
            attrs: { code: iq.attrs.type === 'set' ? group.revokeInvite() : group.inviteCode },
          },
        ];
      case 'member_add_mode':
      case 'membership_approval_mode':
        this.requireAdmin(group, actor);
        return [];
      default:
        throw new IqRejection(501);
    }
  }

  /** Creates a group with `actor` as super admin and adds the participants that exist. */
  create(actor: string, subject: string, participantJids: string[]): Group {
    const group = this.groups.create(subject, actor);
    for (const jid of participantJids.map(jidNormalizedUser)) {
      if (jid !== actor && this.registry.get(jid)) {
        group.participants.set(jid, 'member');
      }
    }
    this.notify(group, actor, { tag: 'create', attrs: {}, content: [this.metadataNode(group)] });
    return group;
  }

  changeParticipants(
    actor: string,
    group: Group,
    action: ParticipantChange,
    jids: string[],
  ): { jid: string; error?: string }[] {
    this.requireAdmin(group, actor);
    const results: { jid: string; error?: string }[] = [];
    const changed: string[] = [];
    for (const raw of jids) {
      const jid = jidNormalizedUser(raw);
      const isMember = group.participants.has(jid);
      let error: string | undefined;
      if (action === 'add') {
        error = !this.registry.get(jid) ? '404' : isMember ? '409' : undefined;
        if (!error) {
          group.participants.set(jid, 'member');
        }
      } else if (!isMember) {
        error = '404';
      } else if (group.participants.get(jid) === 'superadmin' && jid !== actor && action !== 'promote') {
        error = '403';
      } else if (action === 'remove') {
        group.participants.delete(jid);
      } else {
        group.participants.set(jid, action === 'promote' ? 'admin' : 'member');
      }
      results.push({ jid, ...(error ? { error } : {}) });
      if (!error) {
        changed.push(jid);
      }
    }
    if (changed.length) {
      const content = changed.map((jid) => ({ tag: 'participant', attrs: { jid } }));
      // Removed members learn about their removal too.
      const alsoTell = action === 'remove' ? changed : [];
      this.notify(group, actor, { tag: action, attrs: {}, content }, alsoTell);
    }
    return results;
  }

  setSubject(actor: string, group: Group, subject: string): void {
    this.requireEditor(group, actor);
    group.subject = subject;
    group.subjectOwner = actor;
    group.subjectTime = Math.floor(Date.now() / 1000);
    this.notify(group, actor, {
      tag: 'subject',
      attrs: { subject, s_o: actor, s_t: group.subjectTime.toString() },
    });
  }

  leave(actor: string, group: Group): void {
    this.requireMember(group, actor);
    group.participants.delete(actor);
    this.notify(
      group,
      actor,
      { tag: 'remove', attrs: {}, content: [{ tag: 'participant', attrs: { jid: actor } }] },
      [actor],
    );
  }

  require(groupJid: string | undefined): Group {
    const group = groupJid ? this.groups.get(groupJid) : undefined;
    if (!group) {
      throw new IqRejection(404);
    }
    return group;
  }

  /** `<group>` as metadata queries, `create` results and notifications carry it. */
  metadataNode(group: Group): BinaryNode {
    const content: BinaryNode[] = [...group.participants].map(([jid, role]) => ({
      tag: 'participant',
      attrs: { jid, ...(role === 'member' ? {} : { type: role }) },
    }));
    if (group.description) {
      content.push({
        tag: 'description',
        attrs: { id: group.description.id },
        content: [{ tag: 'body', attrs: {}, content: Buffer.from(group.description.text) }],
      });
    }
    if (group.announce) {
      content.push({ tag: 'announcement', attrs: {} });
    }
    if (group.locked) {
      content.push({ tag: 'locked', attrs: {} });
    }
    if (group.ephemeralSeconds) {
      content.push({ tag: 'ephemeral', attrs: { expiration: group.ephemeralSeconds.toString() } });
    }
    return {
      tag: 'group',
      attrs: {
        id: group.id.split('@')[0]!,
        creator: group.creator,
        creation: group.creation.toString(),
        subject: group.subject,
        s_o: group.subjectOwner,
        s_t: group.subjectTime.toString(),
        size: group.participants.size.toString(),
      },
      content,
    };
  }

  private handleServerIq(actor: string, type: string | undefined, child: BinaryNode): BinaryNode[] {
    switch (child.tag) {
      case 'create': {
        const jids = getBinaryNodeChildren(child, 'participant').map((p) => p.attrs.jid ?? '');
        return [this.metadataNode(this.create(actor, child.attrs.subject ?? '', jids))];
      }
      case 'participating':
        return [
          {
            tag: 'groups',
            attrs: {},
            content: this.groups.participating(actor).map((g) => this.metadataNode(g)),
          },
        ];
      case 'leave': {
        const left = getBinaryNodeChildren(child, 'group').map((node) => {
          const id = node.attrs.id ?? '';
          this.leave(actor, this.require(id.includes('@') ? id : `${id}@g.us`));
          return { tag: 'group', attrs: { id } };
        });
        return [{ tag: 'leave', attrs: {}, content: left }];
      }
      case 'invite': {
        const group = this.groups.byInviteCode(child.attrs.code ?? '');
        if (!group) {
          throw new IqRejection(404);
        }
        if (type === 'get') {
          return [this.metadataNode(group)];
        }
        if (!group.participants.has(actor)) {
          group.participants.set(actor, 'member');
          this.notify(group, actor, {
            tag: 'add',
            attrs: {},
            content: [{ tag: 'participant', attrs: { jid: actor } }],
          });
        }
        return [{ tag: 'group', attrs: { jid: group.id } }];
      }
      default:
        throw new IqRejection(501);
    }
  }

  /** Sends `<notification type="w:gp2">` to every device of every member, the actor's included. */
  private notify(group: Group, actor: string, change: BinaryNode, alsoTell: string[] = []): void {
    const stanza: BinaryNode = {
      tag: 'notification',
      attrs: { from: group.id, type: 'w:gp2', id: this.nextStanzaId(), t: unixSeconds(), participant: actor },
      content: [change],
    };
    for (const member of new Set([...group.participants.keys(), ...alsoTell, actor])) {
      this.deliver(numberOf(member), stanza);
    }
  }

  private requireMember(group: Group, actor: string): void {
    if (!group.participants.has(actor)) {
      throw new IqRejection(403);
    }
  }

  private requireAdmin(group: Group, actor: string): void {
    this.requireMember(group, actor);
    if (!group.isAdmin(actor)) {
      throw new IqRejection(403);
    }
  }

  /** Group info edits: any member, or only admins once the group is locked. */
  private requireEditor(group: Group, actor: string): void {
    this.requireMember(group, actor);
    if (group.locked && !group.isAdmin(actor)) {
      throw new IqRejection(403);
    }
  }
}
