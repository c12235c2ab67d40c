package io.alexstream.cli;

import java.util.List;

/** The demo's dataset, with what it is called in the report. */
record Dataset(String name, List<Sample> train, List<Sample> test) {}
