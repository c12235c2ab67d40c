package io.alexstream.auth;

/** Who may call what on the model-management services. */
public enum Role {
    /** The trainer: pushes weights to workers. */
    TRAINER,
    /** A worker: registers with the trainer and pulls weights. */
    WORKER,
    /** A person or tool running the system: rollbacks and training rounds. */
    OPERATOR,
    /** A person who may put a version into service without the promotion gate (force-promote). */
    RELEASE_MANAGER
}
