package io.gantry.protocol.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;

/**
 * Writes a typed ActorRef as Pekko's serialisation format (its full address and path) and
 * resolves it on the receiving node, as Pekko's own serializers do. Only possible inside an
 * ActorSystem: a Kryo built without a resolver fails with a message saying so.
 */
final class TypedActorRefSerializer extends Serializer<ActorRef<?>> {

    private final ActorRefResolver resolver;

    TypedActorRefSerializer(ActorRefResolver resolver) {
        super(false, true);
        this.resolver = resolver;
    }

    @Override
    public void write(Kryo kryo, Output output, ActorRef<?> ref) {
        output.writeString(resolver().toSerializationFormat(ref));
    }

    @Override
    public ActorRef<?> read(Kryo kryo, Input input, Class<? extends ActorRef<?>> type) {
        return resolver().resolveActorRef(input.readString());
    }

    private ActorRefResolver resolver() {
        if (resolver == null) {
            throw new IllegalStateException("an ActorRef can only be serialised by the serializer of a running"
                    + " ActorSystem (this Kryo was built without an ActorRefResolver)");
        }
        return resolver;
    }
}
