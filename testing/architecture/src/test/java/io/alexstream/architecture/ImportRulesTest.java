package io.alexstream.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The import rules between the modules, checked on the main classes of every library and service.
 *
 * <p>Guarantees that the libraries stay free of any container (so they run in a plain JVM, the CLI
 * and tests alike), that no service reaches into another (they talk only through Kafka and gRPC
 * contracts), and that the worker's inference code does not know how requests reach it.
 */
@AnalyzeClasses(packages = "io.alexstream", importOptions = ImportOption.DoNotIncludeTests.class)
class ImportRulesTest {

    private static final String[] LIBRARIES = {
        "io.alexstream.contracts..", "io.alexstream.engine..", "io.alexstream.auth.."
    };
    private static final String[] CONTAINERS = {"io.quarkus..", "jakarta..", "io.smallrye.."};
    private static final String INGEST = "io.alexstream.ingest..";
    private static final String WORKER = "io.alexstream.worker..";
    private static final String TRAINER = "io.alexstream.trainer..";

    @ArchTest
    static final ArchRule librariesDoNotDependOnAContainer = noClasses()
            .that()
            .resideInAnyPackage(LIBRARIES)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CONTAINERS)
            .because("the libraries run outside Quarkus too: in the CLI, the benchmarks and plain unit tests");

    @ArchTest
    static final ArchRule librariesDoNotDependOnAService = noClasses()
            .that()
            .resideInAnyPackage(LIBRARIES)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(INGEST, WORKER, TRAINER)
            .because("services build on the libraries, never the other way round");

    @ArchTest
    static final ArchRule contractsDependOnlyOnTheJdk = classes()
            .that()
            .resideInAPackage("io.alexstream.contracts..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "io.alexstream.contracts..")
            .because("every role, in any runtime, must be able to read the shared names and limits");

    @ArchTest
    static final ArchRule ingestDoesNotDependOnAnotherService = serviceStaysInItsLane(INGEST, WORKER, TRAINER);

    @ArchTest
    static final ArchRule workerDoesNotDependOnAnotherService = serviceStaysInItsLane(WORKER, INGEST, TRAINER);

    @ArchTest
    static final ArchRule trainerDoesNotDependOnAnotherService = serviceStaysInItsLane(TRAINER, INGEST, WORKER);

    @ArchTest
    static final ArchRule workerInferenceDoesNotKnowItsTransport = noClasses()
            .that()
            .resideInAPackage("io.alexstream.worker.inference..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.grpc..", "io.alexstream.worker.messaging..", "org.apache.kafka..")
            .because("inference serves Kafka and gRPC alike; the transports adapt to it, not the reverse");

    private static ArchRule serviceStaysInItsLane(String service, String... otherServices) {
        return noClasses()
                .that()
                .resideInAPackage(service)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(otherServices)
                .because("services are deployed apart and talk only through the Kafka and gRPC contracts");
    }
}
