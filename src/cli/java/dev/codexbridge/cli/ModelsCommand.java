package dev.codexbridge.cli;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.Model;
import dev.codexbridge.protocol.ModelListParams;
import dev.codexbridge.protocol.ModelListResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"The models codex offers: id, display name, reasoning efforts; `*` marks the default.",
            "Exit codes: 0 done, 1 codex failed or answered an error, 2 usage error."})
final class ModelsCommand implements Callable<Integer> {
    /** Pages followed at most: the list is a few dozen models, this only stops a cursor that never ends. */
    private static final int MAX_PAGES = 50;

    @Mixin
    ApiOptions api;

    @Option(names = "--all", description = "Include models codex hides from pickers.")
    boolean all;

    @Override
    public Integer call() {
        return api.call("models", client -> {
            List<Model> models = new ArrayList<>();
            String cursor = null;
            for (int page = 0; page < MAX_PAGES; page++) {
                ModelListResponse r = client.modelList(ModelListParams.builder().includeHidden(all ? Boolean.TRUE : null)
                        .cursor(cursor).build());
                models.addAll(r.data());
                cursor = r.nextCursor();
                if (cursor == null) {
                    break;
                }
            }
            if (api.json) {
                // every page in one answer, shaped like codex's own
                System.out.println(Json.write(new ModelListResponse(models, null)));
            } else {
                models.forEach(m -> System.out.println(ApiText.modelLine(m)));
            }
            return 0;
        });
    }
}
