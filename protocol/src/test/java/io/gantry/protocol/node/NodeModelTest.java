package io.gantry.protocol.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.protocol.job.Resources;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.serialization.GantryJson;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeModelTest {

    @Test
    void resourcesAddSubtractAndCover() {
        NodeResources capacity = new NodeResources(4000, 8L << 30);
        NodeResources job = NodeResources.of(new Resources(500, 1L << 30));
        NodeResources used = job.plus(job);
        assertEquals(new NodeResources(1000, 2L << 30), used);
        assertEquals(new NodeResources(3000, 6L << 30), capacity.minus(used));
        assertTrue(capacity.covers(used));
        assertFalse(job.covers(used));
        assertThrows(IllegalArgumentException.class, () -> job.minus(used));
    }

    @Test
    void nodeIdsAreHostnameLike() {
        assertEquals("node-1.lab", NodeId.of("node-1.lab").value());
        for (String bad : new String[]{"", "-a", "a/b", "a b", "a:1"}) {
            assertThrows(IllegalArgumentException.class, () -> NodeId.of(bad), bad);
        }
    }

    @Test
    void onlyReadyNodesTakeNewAllocations() {
        assertTrue(NodeStatus.READY.schedulable());
        assertFalse(NodeStatus.DRAINING.schedulable());
        assertFalse(NodeStatus.DOWN.schedulable());
    }

    @Test
    void nodeInfoRoundTripsAsJson() throws Exception {
        ObjectMapper mapper = GantryJson.mapper();
        NodeInfo info = new NodeInfo(NodeId.of("n1"), "http://127.0.0.1:7070", Map.of("zone", "a"),
                new NodeResources(2000, 4L << 30), new RuntimeInfo("runc", "1.1.5", Set.of("memory-limit")),
                Set.of(Digest.sha256("layer".getBytes(StandardCharsets.UTF_8))));
        String json = mapper.writeValueAsString(info);
        assertTrue(json.contains("\"id\":\"n1\""), json);
        assertEquals(info, mapper.readValue(json, NodeInfo.class));
    }
}
