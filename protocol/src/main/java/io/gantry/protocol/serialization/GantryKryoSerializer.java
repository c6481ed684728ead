package io.gantry.protocol.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.JSerializer;

/**
 * Pekko's serializer for {@link io.gantry.protocol.cluster.ClusterMessage}s (bound in this
 * module's {@code reference.conf}): Kryo with the fixed ids of {@link KryoRegistrations}, so the
 * class is written as a small number and no manifest is needed. Hand-written because no Kryo
 * serializer for Pekko is published (see STACK.md).
 *
 * <p>Kryo instances are not thread-safe and costly to build, so they come from a pool; one that
 * failed mid-operation is dropped rather than returned, as its internal state is unknown.
 */
public final class GantryKryoSerializer extends JSerializer {

    /** Fixed forever: it is written into every serialised message. Pekko reserves 0–40. */
    public static final int IDENTIFIER = 741_100;

    private final ExtendedActorSystem system;
    private final Pool<Kryo> pool = new Pool<>(true, false, 64) {
        @Override
        protected Kryo create() {
            return KryoRegistrations.newKryo(resolver());
        }
    };
    private volatile ActorRefResolver resolver;

    /** Called by Pekko's serialization extension. */
    public GantryKryoSerializer(ExtendedActorSystem system) {
        this.system = system;
    }

    // Looked up on first use, not in the constructor: the serialization extension creates its
    // serializers while the actor system is still starting.
    private ActorRefResolver resolver() {
        ActorRefResolver r = resolver;
        if (r == null) {
            r = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = r;
        }
        return r;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public boolean includeManifest() {
        return false;
    }

    @Override
    public byte[] toBinary(Object message) {
        Kryo kryo = pool.obtain();
        try {
            Output output = new Output(256, -1);
            kryo.writeClassAndObject(output, message);
            byte[] bytes = output.toBytes();
            pool.free(kryo);
            return bytes;
        } catch (RuntimeException e) {
            throw new ClusterSerializationException("cannot serialise " + message.getClass().getName()
                    + " for the cluster: " + e.getMessage(), e);
        }
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
        Kryo kryo = pool.obtain();
        try {
            Object message = kryo.readClassAndObject(new Input(bytes));
            pool.free(kryo);
            return message;
        } catch (RuntimeException e) {
            throw new ClusterSerializationException("cannot deserialise a cluster message of " + bytes.length
                    + " bytes (is the other node running a different KryoRegistrations table?): " + e.getMessage(), e);
        }
    }
}
