package io.gantry.agent.node;

import io.gantry.agent.container.ContainerConflictException;
import io.gantry.agent.container.ContainerNotFoundException;
import io.gantry.agent.container.ContainerPhase;
import io.gantry.agent.container.ContainerView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The node's containers by id and by name, with Docker's rules for what a user may type to name
 * one: the full id, the name, or a prefix of the id that only one container has. A prefix shared
 * by several ids is refused as ambiguous rather than guessed at.
 */
public final class ContainerIndex {

    private final TreeMap<String, ContainerView> byId = new TreeMap<>();
    private final Map<String, String> idByName = new HashMap<>();

    public void put(ContainerView view) {
        ContainerView previous = byId.put(view.id(), view);
        if (previous != null && !previous.name().equals(view.name())) {
            idByName.remove(previous.name());
        }
        idByName.put(view.name(), view.id());
    }

    public void remove(String id) {
        ContainerView v = byId.remove(id);
        if (v != null) {
            idByName.remove(v.name(), id);
        }
    }

    public Optional<ContainerView> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public boolean nameTaken(String name) {
        return idByName.containsKey(name);
    }

    public int size() {
        return byId.size();
    }

    /**
     * The id that {@code reference} names: an exact id, then an exact name, then a unique id prefix.
     *
     * @throws ContainerNotFoundException  nothing matches
     * @throws ContainerConflictException  the prefix matches more than one id
     */
    public String resolve(String reference) {
        if (reference == null || reference.isEmpty()) {
            throw new ContainerNotFoundException("''");
        }
        if (byId.containsKey(reference)) {
            return reference;
        }
        String named = idByName.get(reference);
        if (named != null) {
            return named;
        }
        List<String> matches = new ArrayList<>();
        for (String id : byId.tailMap(reference, true).keySet()) {
            if (!id.startsWith(reference)) {
                break;
            }
            matches.add(id);
            if (matches.size() > 3) {
                break;
            }
        }
        if (matches.isEmpty()) {
            throw new ContainerNotFoundException(reference);
        }
        if (matches.size() > 1) {
            throw new ContainerConflictException("container id prefix '" + reference + "' is ambiguous: it matches "
                    + (matches.size() > 3 ? "more than 3 containers" : String.join(", ", matches))
                    + "; give more characters");
        }
        return matches.get(0);
    }

    /** Newest first; only those not ended unless {@code all}. */
    public List<ContainerView> list(boolean all) {
        List<ContainerView> out = new ArrayList<>();
        for (ContainerView v : byId.values()) {
            if (all || !v.phase().terminal()) {
                out.add(v);
            }
        }
        out.sort(Comparator.comparing(ContainerView::createdAt).reversed().thenComparing(ContainerView::id));
        return out;
    }

    public List<ContainerView> all() {
        return List.copyOf(byId.values());
    }

    /** Ids of the containers whose process runs (or is being stopped): what uses the node's resources now. */
    public List<String> liveIds() {
        List<String> out = new ArrayList<>();
        for (ContainerView v : byId.values()) {
            if (v.phase().live()) {
                out.add(v.id());
            }
        }
        return out;
    }

    /** How many of the containers are allocations in phase running. */
    public int runningAllocations() {
        int n = 0;
        for (ContainerView v : byId.values()) {
            if (v.allocation().isPresent() && v.phase() == ContainerPhase.RUNNING) {
                n++;
            }
        }
        return n;
    }
}
