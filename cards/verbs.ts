/**
 * The closed set of card verbs (docs/architecture.md, "Card actions"). Templates and handlers both
 * use these constants, so a verb cannot be renamed on one side only.
 */
export const verbs = {
  incidentSubmit: 'incident.submit',
  caseClaim: 'case.claim',
  caseSeverity: 'case.severity',
  caseNote: 'case.note',
  caseRefer: 'case.refer',
  caseParentInformed: 'case.parentInformed',
  caseSanction: 'case.sanction',
  caseClose: 'case.close',
  caseReopen: 'case.reopen',
  caseRefresh: 'case.refresh',
  caseSubjectPart: 'case.subjectPart',
  caseHold: 'case.hold',
  caseDismiss: 'case.dismiss',
  assessmentStart: 'assessment.start',
  assessmentStep: 'assessment.step',
  assessmentShow: 'assessment.show',
  assessmentSubmit: 'assessment.submit',
  assessmentDecide: 'assessment.decide',
  assessmentAskInfo: 'assessment.askInfo',
  assessmentWithdraw: 'assessment.withdraw',
  assessmentReopen: 'assessment.reopen',
  assessmentRefresh: 'assessment.refresh',
  /** A tutor's quiz chooser: put the chosen quiz to the class. */
  quizOpen: 'quiz.open',
  /** "Take the quiz" (also "Carry on" and "Try again"): the learner's own view. */
  quizStart: 'quiz.start',
  quizAnswer: 'quiz.answer',
  quizResults: 'quiz.results',
  quizRemind: 'quiz.remind',
  /** The class card's refresh: tutors get the live figures. */
  quizRefresh: 'quiz.refresh',
  /** A sharing case: delete the risky permissions through Graph (when the pack allows it). */
  sharingRemoveAccess: 'sharing.removeAccess',
  /** A sharing case: ask the person who shared, in their chat. */
  sharingAskOwner: 'sharing.askOwner',
  /** A sharing case: the sharing is acceptable; closes with the reason. */
  sharingAccept: 'sharing.accept',
  /** The owner's answers on their card. */
  sharingOwnerRemoved: 'sharing.ownerRemoved',
  sharingOwnerNeeded: 'sharing.ownerNeeded',
} as const;

export type Verb = (typeof verbs)[keyof typeof verbs];

export const allVerbs: readonly Verb[] = Object.values(verbs);

/** Message-extension command ids: the Teams app manifest declares them, the bot answers them. */
export const messageCommands = { reportMessage: 'reportMessage' } as const;
