//! The demo's tickets: a few hundred over the last four weeks, each with a plausible life
//! (assignment, work, replies from both sides, internal notes, approvals with votes,
//! solutions, acceptances and closures), the older ones further along.
//!
//! Every ticket's life is planned first, from the seeded RNG alone, then run: the creations one
//! by one in time order (so ticket numbers follow creation times), then the rest of each
//! ticket's life, several tickets at a time (each ticket's own steps stay in order).

use std::collections::{BTreeMap, BTreeSet};

use futures::stream::{self, TryStreamExt};
use ledgerdesk_core::ticket::{
    CategoryPath, CloseTicket, ClosedReason, CreateTicket, ReplyToTicket, Side, StatusRef,
    StatusTarget, TicketAggregate, TicketCommand, TicketTypeRef, VoteDecision,
};
use ledgerdesk_core::{Actor, StreamId, StreamKind, Timestamp};
use rand::Rng;
use ulid::Ulid;

use super::catalogue::Catalogue;
use super::people::People;
use super::Demo;

/// How many tickets the demo opens.
pub(crate) const TICKETS: usize = 320;
/// How many tickets' lives run at once (lets the log commit them in groups).
const CONCURRENCY: usize = 16;

/// Topics: the group (index in `People::groups`), the type, subjects and a description.
const TOPICS: [(usize, Kind, &[&str], &str); 3] = [
    (
        1,
        Kind::Incident,
        &[
            "VPN drops every hour",
            "Wi-Fi keeps disconnecting in meeting room {n}",
            "Cannot reach the shared drive",
            "Printer on floor {n} is offline",
            "Internet is very slow in the warehouse",
            "Video calls freeze after a few minutes",
        ],
        "It started this morning and it is blocking my work. I already restarted my laptop.",
    ),
    (
        2,
        Kind::Incident,
        &[
            "Invoice export fails in the ERP",
            "CRM shows an error when saving a contact",
            "Outlook crashes on start",
            "Payroll portal rejects my password",
            "Expense report stuck in approval",
            "Spreadsheet macros disabled after the update",
        ],
        "The application shows an error message (screenshot available). Colleagues see it too.",
    ),
    (
        0,
        Kind::ServiceRequest,
        &[
            "New laptop for a new hire starting on the {n}th",
            "Request for a second monitor",
            "Access to the sales dashboard",
            "Replace a broken headset",
            "Badge does not open the back door",
            "Install the design software licence",
        ],
        "Could you take care of this? Budget approval from my manager is attached if needed.",
    ),
];

/// Questions: asked of the service desk.
const QUESTIONS: [&str; 4] = [
    "How do I set up my out-of-office reply?",
    "Where do I find the holiday calendar?",
    "How do I share a calendar with my team?",
    "Can I use my own phone for work e-mail?",
];

const AGENT_REPLIES: [&str; 6] = [
    "Thanks for reporting this. I'm looking into it now.",
    "Could you tell me when this last worked, and send a screenshot?",
    "I've applied a fix on our side. Can you try again?",
    "We're waiting on the supplier; I'll update you tomorrow.",
    "I've scheduled a visit to your desk this afternoon.",
    "This is a known issue; a workaround is in the knowledge base.",
];

const REQUESTER_REPLIES: [&str; 5] = [
    "Thanks! Screenshot attached.",
    "It still happens, about every half hour.",
    "Tried again, it works now.",
    "I'm out tomorrow; my colleague can help you test.",
    "Any news on this? It's getting urgent.",
];

const NOTES: [&str; 5] = [
    "Same symptom as last week's ticket; probably the same root cause.",
    "Checked the logs: authentication errors from 8:50 on.",
    "Escalating to the supplier, case opened.",
    "User is a VIP, keep them informed.",
    "Workaround applied; permanent fix pending the change window.",
];

const SOLUTIONS: [&str; 4] = [
    "Fixed: the configuration was corrected and tested with you.",
    "Replaced the faulty hardware; everything works again.",
    "Access granted and confirmed working.",
    "Answered: see the steps above. Closing unless you need more.",
];

#[derive(Clone, Copy)]
enum Kind {
    Incident,
    ServiceRequest,
    Question,
}

/// One planned command of a ticket's life.
struct Step {
    at: Timestamp,
    actor: Actor,
    command: TicketCommand,
}

/// One ticket's planned life: the creation first.
struct Plan {
    stream: StreamId,
    steps: Vec<Step>,
}

/// Plans and runs every ticket; answers how many the demo has.
pub(crate) async fn load(
    demo: &mut Demo<'_>,
    people: &People,
    catalogue: &Catalogue,
) -> anyhow::Result<usize> {
    let minutes = super::HISTORY_DAYS * 24 * 60;
    let mut ages: Vec<i64> = (0..TICKETS)
        .map(|_| demo.rng.gen_range(30..minutes))
        .collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    let plans: Vec<Plan> = ages
        .into_iter()
        .map(|age| plan(demo, people, catalogue, age))
        .collect();
    let demo = &*demo;
    for (i, plan) in plans.iter().enumerate() {
        if let Some(step) = plan.steps.first() {
            run_step(demo, plan.stream, i, 0, step).await?;
        }
    }
    stream::iter(plans.iter().enumerate().map(Ok::<_, anyhow::Error>))
        .try_for_each_concurrent(CONCURRENCY, |(i, plan)| async move {
            for (j, step) in plan.steps.iter().enumerate().skip(1) {
                run_step(demo, plan.stream, i, j, step).await?;
            }
            Ok(())
        })
        .await?;
    Ok(plans.len())
}

async fn run_step(
    demo: &Demo<'_>,
    stream: StreamId,
    ticket: usize,
    step: usize,
    planned: &Step,
) -> anyhow::Result<()> {
    demo.run::<TicketAggregate>(
        stream,
        &planned.command,
        planned.actor,
        planned.at,
        format!("demo:v1:ticket:{ticket}:{step}"),
    )
    .await
    .map(drop)
}

/// A ticket opened `age` minutes before the load, and what happens to it until then.
fn plan(demo: &mut Demo<'_>, people: &People, catalogue: &Catalogue, age: i64) -> Plan {
    let created_at = demo.ago(age);
    let (group_index, kind, subject, description) = if demo.chance(0.12) {
        let q = *demo.pick(&QUESTIONS);
        (
            0,
            Kind::Question,
            q.to_owned(),
            "Thanks in advance.".to_owned(),
        )
    } else {
        let (group, kind, subjects, description) = *demo.pick(&TOPICS);
        let n = demo.rng.gen_range(2..28).to_string();
        let subject = demo.pick(subjects).replace("{n}", &n);
        (group, kind, subject, description.to_owned())
    };
    let group = &people.groups[group_index.min(people.groups.len() - 1)];
    let requester = demo.pick(&people.requesters).id;
    let ticket_type = match kind {
        Kind::Incident => catalogue.incident,
        Kind::ServiceRequest => catalogue.service_request,
        Kind::Question => catalogue.question,
    };
    let ticket_id = demo.id(created_at);
    let priority_id = Some(*demo.pick(&catalogue.priorities));
    let by_requester = demo.chance(0.7);
    let create = create(
        ticket_id,
        subject.clone(),
        description,
        requester,
        ticket_type,
    );
    let create = TicketCommand::Create(Box::new(CreateTicket {
        creator_id: Some(requester),
        priority_id,
        group_id: Some(group.id),
        status: catalogue.new,
        ..create
    }));
    let opener = if by_requester {
        Actor::User(requester)
    } else {
        Actor::User(people.agents[0].id)
    };
    let mut life = Life {
        demo,
        now: created_at,
        steps: vec![Step {
            at: created_at,
            actor: opener,
            command: create,
        }],
    };
    let agent_index = *life.demo.pick(&group.members);
    let agent = people.agents[agent_index].id;
    let lead = people.agents[0].id;
    life.plan(
        people,
        catalogue,
        LifeOf {
            agent,
            lead,
            requester,
            kind,
            subject: &subject,
            age,
        },
    );
    Plan {
        stream: StreamId::new(StreamKind::Ticket, ticket_id),
        steps: life.steps,
    }
}

/// A creation with every optional field empty.
fn create(
    ticket_id: Ulid,
    subject: String,
    description: String,
    requester_id: Ulid,
    ticket_type: TicketTypeRef,
) -> CreateTicket {
    CreateTicket {
        ticket_id,
        subject,
        description,
        requester_id,
        creator_id: None,
        on_behalf_of_id: None,
        ticket_type,
        status: StatusRef {
            status_id: Ulid::nil(),
            category: ledgerdesk_core::ticket::StatusCategory::New,
        },
        priority_id: None,
        urgency_id: None,
        impact_id: None,
        impact_details: None,
        category: CategoryPath::default(),
        source_id: None,
        group_id: None,
        agent_id: None,
        department_id: None,
        helpdesk_id: None,
        level_id: None,
        location_id: None,
        tag_ids: BTreeSet::new(),
        custom_fields: BTreeMap::new(),
        due_at: None,
        occurred_at: None,
        attachments: Vec::new(),
        related: Vec::new(),
    }
}

/// Who and what a ticket's life is about.
struct LifeOf<'s> {
    agent: Ulid,
    lead: Ulid,
    requester: Ulid,
    kind: Kind,
    subject: &'s str,
    age: i64,
}

/// A ticket's life being planned: steps at increasing times, never after the load.
struct Life<'d, 'a> {
    demo: &'d mut Demo<'a>,
    now: Timestamp,
    steps: Vec<Step>,
}

impl Life<'_, '_> {
    /// Adds a step `min..max` minutes after the previous one; `false` (and nothing added) when
    /// that would be after the load.
    fn then(&mut self, min: i64, max: i64, actor: Ulid, command: TicketCommand) -> bool {
        let at = Timestamp(self.now.as_micros() + self.demo.rng.gen_range(min..max) * 60_000_000);
        if at.as_micros() > self.demo.ago(1).as_micros() {
            return false;
        }
        self.now = at;
        self.steps.push(Step {
            at,
            actor: Actor::User(actor),
            command,
        });
        true
    }

    fn reply(&mut self, author: Ulid, side: Side, body: &str, at: Timestamp) -> TicketCommand {
        let id = self.demo.id(at);
        TicketCommand::Reply(Box::new(ReplyToTicket::plain(id, author, side, body)))
    }

    /// Plans the ticket's life; `false` when the load's time cut it short.
    fn plan(&mut self, _people: &People, catalogue: &Catalogue, of: LifeOf<'_>) -> bool {
        let LifeOf {
            agent,
            lead,
            requester,
            kind,
            subject,
            age,
        } = of;
        if !self.demo.chance(0.92) {
            return true;
        }
        let assign = TicketCommand::Assign {
            group_id: None,
            agent_id: Some(agent),
        };
        if !self.then(5, 240, lead, assign) {
            return false;
        }
        if self.demo.chance(0.8) {
            let status = TicketCommand::ChangeStatus {
                target: StatusTarget {
                    status: catalogue.in_progress,
                    waiting_for: None,
                },
                comment: None,
            };
            if !self.then(5, 120, agent, status) {
                return false;
            }
        }
        let exchanges = self.demo.rng.gen_range(1..=4);
        for i in 0..exchanges {
            let (author, side, pool): (Ulid, Side, &[&str]) = if i % 2 == 0 {
                (agent, Side::Agent, &AGENT_REPLIES)
            } else {
                (requester, Side::Requester, &REQUESTER_REPLIES)
            };
            let body = *self.demo.pick(pool);
            let reply = self.reply(author, side, body, self.now);
            if !self.then(10, 600, author, reply) {
                return false;
            }
            if side == Side::Agent && self.demo.chance(0.3) {
                let note = TicketCommand::AddNote {
                    note_id: self.demo.id(self.now),
                    author_id: agent,
                    body: (*self.demo.pick(&NOTES)).to_owned(),
                    attachments: Vec::new(),
                };
                if !self.then(1, 30, agent, note) {
                    return false;
                }
            }
        }
        let mut rejected = false;
        if matches!(kind, Kind::ServiceRequest) && self.demo.chance(0.6) {
            let approval_id = self.demo.id(self.now);
            let ask = TicketCommand::RequestSpontaneousApproval {
                approval_id,
                voter_id: lead,
                description: format!("Approve: {subject}"),
                expires_at: None,
            };
            if !self.then(5, 60, agent, ask) {
                return false;
            }
            if self.demo.chance(0.85) {
                rejected = self.demo.chance(0.2);
                let (decision, note) = if rejected {
                    (VoteDecision::Reject, "Not in this quarter's budget.")
                } else {
                    (VoteDecision::Accept, "Approved.")
                };
                let vote = TicketCommand::Vote {
                    approval_id,
                    voter_id: lead,
                    decision,
                    note: Some(note.to_owned()),
                };
                if !self.then(30, 1_440, lead, vote) {
                    return false;
                }
            }
        }
        if rejected {
            let close = close(catalogue.closed, "Closed: the approval was rejected.");
            return self.then(5, 60, agent, close);
        }
        let resolve_chance = if age > 3 * 24 * 60 { 0.8 } else { 0.3 };
        if !self.demo.chance(resolve_chance) {
            if self.demo.chance(0.3) {
                let pending = TicketCommand::ChangeStatus {
                    target: StatusTarget {
                        status: catalogue.pending,
                        waiting_for: None,
                    },
                    comment: Some("Waiting for a part from the supplier.".to_owned()),
                };
                return self.then(30, 600, agent, pending);
            }
            return true;
        }
        let body = *self.demo.pick(&SOLUTIONS);
        let solution = TicketCommand::Reply(Box::new(ReplyToTicket {
            is_solution: true,
            set_status: Some(StatusTarget {
                status: catalogue.resolved,
                waiting_for: None,
            }),
            ..ReplyToTicket::plain(self.demo.id(self.now), agent, Side::Agent, body)
        }));
        if !self.then(30, 2_880, agent, solution) {
            return false;
        }
        if self.demo.chance(0.5) {
            let rating = self.demo.rng.gen_range(2..=5u8);
            let accept = TicketCommand::AcceptSolution {
                rating,
                comment: (rating < 4).then(|| "Works, but it took a while.".to_owned()),
                closed_status: catalogue.closed,
            };
            self.then(60, 1_440, requester, accept)
        } else if self.demo.chance(0.6) {
            self.then(
                1_440,
                4_320,
                agent,
                close(catalogue.closed, "No answer; closing."),
            )
        } else {
            true
        }
    }
}

/// A manual closure with the agent's comments.
fn close(status: StatusRef, comments: &str) -> TicketCommand {
    TicketCommand::Close(Box::new(CloseTicket {
        status,
        reason: ClosedReason::Manual,
        closure_code_id: None,
        comments: Some(comments.to_owned()),
        requester_acknowledged: None,
        requester_comments: None,
    }))
}
