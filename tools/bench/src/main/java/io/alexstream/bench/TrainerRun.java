package io.alexstream.bench;

import java.nio.file.Path;

/** The trainer part: a version already in its store (pushed at its start), and how many labeled images to train on. */
record TrainerRun(Path seededVersions, int labeledImages, int classes) {}
