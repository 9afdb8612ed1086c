// The peer for benchmarks/timefold.py: Timefold Solver's Java engine on one data set,
// with the benchmark's own domain classes and constraint provider (compiled beside this
// file at benchmark time from a checkout of timefold-solver-benchmarks) and its own
// solver configuration: the default construction heuristic, then tabu search, one thread.
//
// Reads the data set as tab-separated lines (written by benchmarks/timefold.py from the
// public JSON; lists separated by U+001F), solves for the given seconds, and prints
//   score <Timefold's own score>
//   first <seconds to the first complete timetable>
//   place <talk id> <timeslot id> <room id>
// so that the Python side scores the same timetable with its own implementation.

import ai.timefold.solver.benchmarks.examples.conferencescheduling.domain.ConferenceConstraintProperties;
import ai.timefold.solver.benchmarks.examples.conferencescheduling.domain.ConferenceSolution;
import ai.timefold.solver.benchmarks.examples.conferencescheduling.domain.Room;
import ai.timefold.solver.benchmarks.examples.conferencescheduling.domain.Speaker;
import ai.timefold.solver.benchmarks.examples.conferencescheduling.domain.Talk;
import ai.timefold.solver.benchmarks.examples.conferencescheduling.domain.TalkType;
import ai.timefold.solver.benchmarks.examples.conferencescheduling.domain.Timeslot;
import ai.timefold.solver.benchmarks.examples.conferencescheduling.score.ConferenceSchedulingConstraintProvider;
import ai.timefold.solver.core.api.domain.solution.ConstraintWeightOverrides;
import ai.timefold.solver.core.api.score.buildin.hardsoft.HardSoftScore;
import ai.timefold.solver.core.api.solver.Solver;
import ai.timefold.solver.core.api.solver.SolverFactory;
import ai.timefold.solver.core.config.constructionheuristic.ConstructionHeuristicPhaseConfig;
import ai.timefold.solver.core.config.localsearch.LocalSearchPhaseConfig;
import ai.timefold.solver.core.config.localsearch.LocalSearchType;
import ai.timefold.solver.core.config.score.director.ScoreDirectorFactoryConfig;
import ai.timefold.solver.core.config.solver.SolverConfig;
import ai.timefold.solver.core.config.solver.termination.TerminationConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

public final class Peer {

    private static List<String> items(String field) {
        return field.isEmpty() ? List.of() : Arrays.asList(field.split("\u001f", -1));
    }

    private static Set<String> tags(String field) {
        return new LinkedHashSet<>(items(field));
    }

    private static <T> Set<T> refs(String field, Map<Long, T> known) {
        Set<T> set = new LinkedHashSet<>();
        for (String id : items(field)) {
            set.add(known.get(Long.parseLong(id)));
        }
        return set;
    }

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        long seconds = Long.parseLong(args[1]);
        Map<Long, TalkType> types = new LinkedHashMap<>();
        Map<Long, Timeslot> timeslots = new LinkedHashMap<>();
        Map<Long, Room> rooms = new LinkedHashMap<>();
        Map<Long, Speaker> speakers = new LinkedHashMap<>();
        Map<Long, Talk> talks = new LinkedHashMap<>();
        Map<Talk, String[]> talkFields = new LinkedHashMap<>();
        Map<Long, String[]> typeFields = new LinkedHashMap<>();
        ConferenceConstraintProperties properties = new ConferenceConstraintProperties(0);
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "pause" -> properties.setMinimumConsecutiveTalksPauseInMinutes(Integer.parseInt(f[1]));
                case "type" -> {
                    TalkType type = new TalkType(Long.parseLong(f[1]), f[2]);
                    types.put(type.getId(), type);
                    typeFields.put(type.getId(), f);
                }
                case "timeslot" -> {
                    Timeslot slot = new Timeslot(Long.parseLong(f[1]));
                    slot.setStartDateTime(LocalDateTime.parse(f[2]));
                    slot.setEndDateTime(LocalDateTime.parse(f[3]));
                    slot.setTalkTypeSet(refs(f[4], types));
                    slot.setTagSet(tags(f[5]));
                    timeslots.put(slot.getId(), slot);
                }
                case "room" -> {
                    Room room = new Room(Long.parseLong(f[1]));
                    room.setName(f[2]);
                    room.setCapacity(Integer.parseInt(f[3]));
                    room.setTalkTypeSet(refs(f[4], types));
                    room.setTagSet(tags(f[5]));
                    rooms.put(room.getId(), room);
                }
                case "speaker" -> {
                    Speaker s = new Speaker(Long.parseLong(f[1]));
                    s.setName(f[2]);
                    s.setUnavailableTimeslotSet(refs(f[3], timeslots));
                    s.setPreferredTimeslotTagSet(tags(f[4]));
                    s.setUndesiredTimeslotTagSet(tags(f[5]));
                    s.setRequiredRoomTagSet(tags(f[6]));
                    s.setPreferredRoomTagSet(tags(f[7]));
                    s.setProhibitedRoomTagSet(tags(f[8]));
                    s.setUndesiredRoomTagSet(tags(f[9]));
                    speakers.put(s.getId(), s);
                }
                case "talk" -> {
                    Talk t = new Talk(Long.parseLong(f[1]));
                    t.setCode(f[2]);
                    t.setTitle(f[2]);
                    t.setTalkType(types.get(Long.parseLong(f[3])));
                    t.setSpeakerList(new ArrayList<>(refs(f[4], speakers)));
                    t.setThemeTrackTagSet(tags(f[5]));
                    t.setSectorTagSet(tags(f[6]));
                    t.setAudienceTypeSet(tags(f[7]));
                    t.setAudienceLevel(Integer.parseInt(f[8]));
                    t.setContentTagSet(tags(f[9]));
                    t.setLanguage(f[10]);
                    t.setRequiredRoomTagSet(tags(f[11]));
                    t.setPreferredRoomTagSet(tags(f[12]));
                    t.setProhibitedRoomTagSet(tags(f[13]));
                    t.setUndesiredRoomTagSet(tags(f[14]));
                    t.setMutuallyExclusiveTalksTagSet(tags(f[15]));
                    t.setFavoriteCount(Integer.parseInt(f[17]));
                    t.setCrowdControlRisk(Integer.parseInt(f[18]));
                    t.setPinnedByUser(Boolean.parseBoolean(f[19]));
                    if (!f[20].isEmpty()) {
                        t.setTimeslot(timeslots.get(Long.parseLong(f[20])));
                        t.setRoom(rooms.get(Long.parseLong(f[21])));
                    }
                    talks.put(t.getId(), t);
                    talkFields.put(t, f);
                }
                default -> throw new IllegalArgumentException("unknown line: " + f[0]);
            }
        }
        for (Map.Entry<Long, String[]> e : typeFields.entrySet()) {
            types.get(e.getKey()).setCompatibleTimeslotSet(refs(e.getValue()[3], timeslots));
            types.get(e.getKey()).setCompatibleRoomSet(refs(e.getValue()[4], rooms));
        }
        for (Map.Entry<Talk, String[]> e : talkFields.entrySet()) {
            e.getKey().setPrerequisiteTalkSet(refs(e.getValue()[16], talks));
        }
        ConferenceSolution problem = new ConferenceSolution(0);
        problem.setConferenceName(args[0]);
        problem.setConstraintProperties(properties);
        problem.setConstraintWeightOverrides(ConstraintWeightOverrides.none());
        problem.setTalkTypeList(new ArrayList<>(types.values()));
        problem.setTimeslotList(new ArrayList<>(timeslots.values()));
        problem.setRoomList(new ArrayList<>(rooms.values()));
        problem.setSpeakerList(new ArrayList<>(speakers.values()));
        problem.setTalkList(new ArrayList<>(talks.values()));

        SolverConfig config = new SolverConfig()
                .withSolutionClass(ConferenceSolution.class)
                .withEntityClasses(Talk.class)
                .withScoreDirectorFactory(new ScoreDirectorFactoryConfig()
                        .withConstraintProviderClass(ConferenceSchedulingConstraintProvider.class))
                .withPhases(new ConstructionHeuristicPhaseConfig(),
                        new LocalSearchPhaseConfig().withLocalSearchType(LocalSearchType.TABU_SEARCH))
                .withTerminationConfig(new TerminationConfig().withSpentLimit(java.time.Duration.ofSeconds(seconds)));
        Solver<ConferenceSolution> solver = SolverFactory.<ConferenceSolution> create(config).buildSolver();
        long started = System.nanoTime();
        double[] first = { -1 };
        solver.addEventListener(event -> {
            if (first[0] < 0 && event.getNewBestSolution().getTalkList().stream()
                    .allMatch(t -> t.getTimeslot() != null && t.getRoom() != null)) {
                first[0] = (System.nanoTime() - started) / 1e9;
            }
        });
        ConferenceSolution solved = solver.solve(problem);
        HardSoftScore score = solved.getScore();
        System.out.println("score\t" + score);
        System.out.println("first\t" + first[0]);
        for (Talk t : solved.getTalkList()) {
            if (t.getTimeslot() != null && t.getRoom() != null) {
                System.out.println("place\t" + t.getId() + "\t" + t.getTimeslot().getId() + "\t" + t.getRoom().getId());
            }
        }
    }
}
