package io.gantry.scheduler.actor;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.gantry.protocol.serialization.GantryJson;
import io.gantry.scheduler.core.SchedulerEvent;
import io.gantry.scheduler.core.SchedulerReply;
import io.gantry.scheduler.core.StateSnapshot;
import io.gantry.scheduler.view.SchedulerChange;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

import java.io.IOException;
import java.io.NotSerializableException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON (Jackson, {@link GantryJson}'s configuration) for what the scheduler writes and sends:
 * <ul>
 *   <li>journal events: one manifest, {@code event}, for every {@link SchedulerEvent}; the event's
 *       own {@code "type"} names it, so a class may be renamed or moved without breaking old
 *       journals (fields are only ever added, with defaults);</li>
 *   <li>snapshots ({@code state-snapshot}, a {@link StateSnapshot});</li>
 *   <li>the scheduler's API messages between nodes and the published {@link SchedulerChange}s,
 *       with typed ActorRefs written in Pekko's serialization format.</li>
 * </ul>
 * Manifests are short fixed names from one table, never class names.
 */
public final class SchedulerJsonSerializer extends SerializerWithStringManifest {

    /** Fixed forever: written into every journal row and message. Pekko reserves 0–40. */
    public static final int IDENTIFIER = 741_200;

    static final String EVENT = "event";

    private static final Map<String, Class<?>> BY_MANIFEST = Map.ofEntries(
            Map.entry(EVENT, SchedulerEvent.class),
            Map.entry("state-snapshot", StateSnapshot.class),
            Map.entry("change", SchedulerChange.class),
            Map.entry("submit-job", SchedulerActor.SubmitJob.class),
            Map.entry("stop-job", SchedulerActor.StopJob.class),
            Map.entry("scale-job", SchedulerActor.ScaleJob.class),
            Map.entry("drain-node", SchedulerActor.DrainNode.class),
            Map.entry("get-jobs", SchedulerActor.GetJobs.class),
            Map.entry("get-job", SchedulerActor.GetJob.class),
            Map.entry("get-allocation", SchedulerActor.GetAllocation.class),
            Map.entry("get-nodes", SchedulerActor.GetNodes.class),
            Map.entry("get-node", SchedulerActor.GetNode.class),
            Map.entry("get-metrics", SchedulerActor.GetMetrics.class),
            Map.entry("command-result", SchedulerActor.CommandResult.class),
            Map.entry("job-list", SchedulerActor.JobList.class),
            Map.entry("job-answer", SchedulerActor.JobAnswer.class),
            Map.entry("allocation-answer", SchedulerActor.AllocationAnswer.class),
            Map.entry("node-list", SchedulerActor.NodeList.class),
            Map.entry("node-answer", SchedulerActor.NodeAnswer.class),
            Map.entry("metrics-answer", SchedulerActor.MetricsAnswer.class));

    private static final Map<Class<?>, String> MANIFESTS = invert();

    private final ExtendedActorSystem system;
    private volatile ObjectMapper mapper;

    /** Called by Pekko's serialization extension. */
    public SchedulerJsonSerializer(ExtendedActorSystem system) {
        this.system = system;
    }

    private static Map<Class<?>, String> invert() {
        Map<Class<?>, String> out = new HashMap<>();
        BY_MANIFEST.forEach((name, type) -> out.put(type, name));
        return Map.copyOf(out);
    }

    /** The manifest names of the API messages (for tests that check every message has one). */
    static Map<String, Class<?>> manifests() {
        return BY_MANIFEST;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof SchedulerEvent) {
            return EVENT;
        }
        String name = MANIFESTS.get(o.getClass());
        if (name == null) {
            throw new IllegalArgumentException("no JSON manifest for " + o.getClass().getName()
                    + "; add it to SchedulerJsonSerializer's table");
        }
        return name;
    }

    @Override
    public byte[] toBinary(Object o) {
        try {
            if (o instanceof SchedulerEvent) {
                return mapper().writerFor(SchedulerEvent.class).writeValueAsBytes(o);
            }
            manifest(o);
            return mapper().writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + o.getClass().getName() + " as JSON: " + e.getMessage(),
                    e);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        Class<?> type = BY_MANIFEST.get(manifest);
        if (type == null) {
            throw new NotSerializableException("unknown scheduler JSON manifest '" + manifest + "'");
        }
        try {
            return mapper().readValue(bytes, type);
        } catch (IOException e) {
            NotSerializableException n = new NotSerializableException("cannot read a scheduler '" + manifest
                    + "' from JSON: " + e.getMessage());
            n.initCause(e);
            throw n;
        }
    }

    // Built on first use, not in the constructor: serializers are created while the actor system
    // is still starting, before the ActorRefResolver can be.
    private ObjectMapper mapper() {
        ObjectMapper m = mapper;
        if (m == null) {
            m = newMapper(ActorRefResolver.get(Adapter.toTyped(system)));
            mapper = m;
        }
        return m;
    }

    /** GantryJson's mapper plus typed ActorRefs and the core's reply hierarchy. */
    static ObjectMapper newMapper(ActorRefResolver resolver) {
        SimpleModule refs = new SimpleModule("gantry-actor-refs");
        refs.addSerializer(ActorRef.class, new RefSerializer(resolver));
        refs.addDeserializer(ActorRef.class, new RefDeserializer(resolver));
        ObjectMapper m = GantryJson.newMapper();
        m.registerModule(refs);
        m.addMixIn(SchedulerReply.class, ReplyTypes.class);
        return m;
    }

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({
            @JsonSubTypes.Type(value = SchedulerReply.JobAccepted.class, name = "job-accepted"),
            @JsonSubTypes.Type(value = SchedulerReply.Done.class, name = "done"),
            @JsonSubTypes.Type(value = SchedulerReply.Rejected.class, name = "rejected"),
    })
    private interface ReplyTypes {
    }

    @SuppressWarnings("rawtypes")
    private static final class RefSerializer extends JsonSerializer<ActorRef> {
        private final ActorRefResolver resolver;

        RefSerializer(ActorRefResolver resolver) {
            this.resolver = resolver;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void serialize(ActorRef ref, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(resolver.toSerializationFormat(ref));
        }
    }

    @SuppressWarnings("rawtypes")
    private static final class RefDeserializer extends JsonDeserializer<ActorRef> {
        private final ActorRefResolver resolver;

        RefDeserializer(ActorRefResolver resolver) {
            this.resolver = resolver;
        }

        @Override
        public ActorRef deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return resolver.resolveActorRef(p.getValueAsString());
        }
    }

    /** Every API message class, for completeness checks. */
    static List<Class<?>> apiMessageTypes() {
        return List.copyOf(BY_MANIFEST.values());
    }
}
