/*
 * The web player: one question at a time, answers saved through the player API.
 *
 * The page hands over its configuration in <script id="player-config">: the
 * attempt id, the short-lived API token (sent as "Authorization: Bearer", so
 * the player works in an iframe that blocks third-party cookies), the API base
 * URL and whether the launch is graded. The server computes the score; this
 * script only records answers and shows the result the server returns.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("player-config").textContent);
  var attemptUrl = config.apiBaseUrl + "attempts/" + encodeURIComponent(config.attemptId) + "/";

  var state = {
    attempt: null,
    steps: [],
    index: 0,
    answers: {},
    timesMs: {},
    shownAt: null,
    stopped: false,
    // Writes run one after another, so an older answer never overwrites a
    // newer one and submit waits for every answer to be stored.
    writes: Promise.resolve(),
  };

  function byId(id) {
    return document.getElementById(id);
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  // --- API ---------------------------------------------------------------

  function ApiError(status, body) {
    this.status = status;
    this.code = (body && body.code) || "error";
    this.message = (body && body.message) || "The server could not be reached. Try again.";
  }

  function api(method, path, body) {
    var options = {
      method: method,
      headers: {
        Accept: "application/json",
        Authorization: "Bearer " + config.apiToken,
      },
      credentials: "same-origin",
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(attemptUrl + path, options).then(
      function (response) {
        return response.json().then(
          function (data) {
            if (!response.ok) {
              throw new ApiError(response.status, data);
            }
            return data;
          },
          function () {
            throw new ApiError(response.status, null);
          }
        );
      },
      function () {
        throw new ApiError(0, null);
      }
    );
  }

  function showMessage(text) {
    var message = byId("player-message");
    message.textContent = text;
    message.hidden = !text;
  }

  function handleError(error) {
    if (!(error instanceof ApiError)) {
      showMessage("Something went wrong in the player. Reload the page to continue.");
      throw error;
    }
    showMessage(error.message);
    if (error.status === 401) {
      // The token expired: nothing more can be saved until a new launch.
      state.stopped = true;
      document.querySelectorAll("#player button, #player input").forEach(function (control) {
        control.disabled = true;
      });
    } else if (error.code === "attempt_submitted") {
      load();
    }
  }

  // --- Answers and time ---------------------------------------------------

  function currentStep() {
    return state.steps[state.index];
  }

  function stopClock() {
    var step = currentStep();
    if (step && step.kind === "question" && state.shownAt !== null) {
      var id = step.item.id;
      state.timesMs[id] = (state.timesMs[id] || 0) + Math.round(performance.now() - state.shownAt);
    }
    state.shownAt = null;
  }

  function setSaveState(text) {
    byId("save-state").textContent = text;
  }

  function queueWrite(method, path, body) {
    var write = state.writes.then(function () {
      return state.stopped ? null : api(method, path, body);
    });
    // A failed write must not block the ones after it; its caller reports it.
    state.writes = write.catch(function () {});
    return write;
  }

  function saveAnswer(question) {
    var answer = state.answers[question.id];
    if (answer === undefined || state.stopped) {
      return Promise.resolve();
    }
    setSaveState("Saving…");
    return queueWrite("PUT", "responses/" + encodeURIComponent(question.id) + "/", {
      answer: answer,
      time_spent_ms: Math.min(state.timesMs[question.id] || 0, 86400000),
    }).then(
      function () {
        setSaveState("Saved");
      },
      function (error) {
        setSaveState("Not saved");
        handleError(error);
      }
    );
  }

  function answerChanged(question, answer) {
    state.answers[question.id] = answer;
    // Count the time so far before saving, and keep the clock running.
    stopClock();
    state.shownAt = performance.now();
    saveAnswer(question);
    updateProgress();
  }

  function isAnswered(question) {
    var answer = state.answers[question.id];
    if (answer === undefined || answer === null) {
      return false;
    }
    if (Array.isArray(answer) && question.type === "fill_in_the_blank") {
      return answer.some(function (text) {
        return text.trim() !== "";
      });
    }
    return !(Array.isArray(answer) && answer.length === 0);
  }

  // --- Rendering of each question type --------------------------------------

  function renderChoices(question, inputType) {
    var fieldset = element("fieldset", { class: "choices" });
    fieldset.appendChild(element("legend", { class: "question-prompt" }, question.prompt));
    var saved = state.answers[question.id];
    question.choices.forEach(function (choice) {
      var label = element("label", { class: "choice" });
      var input = element("input", { type: inputType, name: "q-" + question.id, value: choice.id });
      input.checked = inputType === "radio" ? saved === choice.id : (saved || []).indexOf(choice.id) >= 0;
      input.addEventListener("change", function () {
        if (inputType === "radio") {
          answerChanged(question, choice.id);
          return;
        }
        var checked = Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (box) {
          return box.value;
        });
        answerChanged(question, checked);
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + choice.text));
      fieldset.appendChild(label);
    });
    return fieldset;
  }

  function renderTrueFalse(question) {
    var fieldset = element("fieldset", { class: "choices" });
    fieldset.appendChild(element("legend", { class: "question-prompt" }, question.prompt));
    [[true, "True"], [false, "False"]].forEach(function (option) {
      var label = element("label", { class: "choice" });
      var input = element("input", { type: "radio", name: "q-" + question.id, value: String(option[0]) });
      input.checked = state.answers[question.id] === option[0];
      input.addEventListener("change", function () {
        answerChanged(question, option[0]);
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + option[1]));
      fieldset.appendChild(label);
    });
    return fieldset;
  }

  function renderFillIn(question) {
    var wrapper = element("div", { class: "fill-in" });
    var prompt = element("p", { class: "question-prompt", id: "prompt-" + question.id });
    var parts = question.prompt.split(/_{3,}/);
    var saved = state.answers[question.id] || [];
    var inputs = [];
    parts.forEach(function (part, index) {
      prompt.appendChild(document.createTextNode(part));
      if (index < parts.length - 1 && index < question.blanks) {
        var input = element("input", {
          type: "text",
          class: "blank",
          autocomplete: "off",
          spellcheck: "false",
          "aria-label": "Blank " + (index + 1) + " of " + question.blanks,
        });
        input.value = saved[index] || "";
        input.addEventListener("change", function () {
          answerChanged(question, inputs.map(function (box) { return box.value; }));
        });
        inputs.push(input);
        prompt.appendChild(input);
      }
    });
    wrapper.appendChild(prompt);
    return wrapper;
  }

  function renderOrdering(question) {
    var wrapper = element("div", { class: "ordering" });
    wrapper.appendChild(element("p", { class: "question-prompt", id: "prompt-" + question.id }, question.prompt));
    wrapper.appendChild(
      element("p", { class: "question-help" }, "Use the Up and Down buttons to put the items in order.")
    );
    var byChoiceId = {};
    question.choices.forEach(function (choice) {
      byChoiceId[choice.id] = choice;
    });
    var order = (state.answers[question.id] || question.choices.map(function (c) { return c.id; })).slice();
    var list = element("ol", { class: "ordering-list", "aria-labelledby": "prompt-" + question.id });

    function move(index, offset, focusClass) {
      var target = index + offset;
      var moved = order.splice(index, 1)[0];
      order.splice(target, 0, moved);
      answerChanged(question, order.slice());
      draw();
      var button = list.children[target].querySelector("." + focusClass) ||
        list.children[target].querySelector("button:not([disabled])");
      if (button) {
        button.focus();
      }
    }

    function draw() {
      list.textContent = "";
      order.forEach(function (choiceId, index) {
        var text = byChoiceId[choiceId] ? byChoiceId[choiceId].text : choiceId;
        var item = element("li", { class: "ordering-item" });
        item.appendChild(element("span", { class: "ordering-text" }, text));
        var up = element("button", { type: "button", class: "button button-small move-up", "aria-label": "Move up: " + text }, "Up");
        var down = element("button", { type: "button", class: "button button-small move-down", "aria-label": "Move down: " + text }, "Down");
        up.disabled = index === 0;
        down.disabled = index === order.length - 1;
        up.addEventListener("click", function () { move(index, -1, "move-up"); });
        down.addEventListener("click", function () { move(index, 1, "move-down"); });
        var buttons = element("span", { class: "ordering-buttons" });
        buttons.appendChild(up);
        buttons.appendChild(down);
        item.appendChild(buttons);
        list.appendChild(item);
      });
    }

    draw();
    wrapper.appendChild(list);
    return wrapper;
  }

  function renderQuestion(question) {
    var section = document.createDocumentFragment();
    var body;
    if (question.type === "single_choice") {
      body = renderChoices(question, "radio");
    } else if (question.type === "multiple_choice") {
      body = renderChoices(question, "checkbox");
      body.appendChild(element("p", { class: "question-help" }, "Select every correct answer."));
    } else if (question.type === "true_false") {
      body = renderTrueFalse(question);
    } else if (question.type === "fill_in_the_blank") {
      body = renderFillIn(question);
    } else {
      body = renderOrdering(question);
    }
    section.appendChild(body);
    if (question.hint) {
      var details = element("details", { class: "hint" });
      details.appendChild(element("summary", {}, "Show a hint"));
      details.appendChild(element("p", {}, question.hint));
      section.appendChild(details);
    }
    return section;
  }

  function renderResource(resource) {
    var section = document.createDocumentFragment();
    section.appendChild(element("h2", { class: "resource-title" }, resource.title));
    (resource.text || "").split(/\n\s*\n/).forEach(function (paragraph) {
      if (paragraph.trim()) {
        section.appendChild(element("p", {}, paragraph.trim()));
      }
    });
    if (/^https?:\/\//i.test(resource.url || "")) {
      var link = element("a", { href: resource.url, target: "_blank", rel: "noopener noreferrer" }, "Open the resource in a new tab");
      section.appendChild(element("p", {})).appendChild(link);
    }
    return section;
  }

  // --- Navigation -----------------------------------------------------------

  function questionSteps() {
    return state.steps.filter(function (step) { return step.kind === "question"; });
  }

  function updateProgress() {
    var total = state.steps.length;
    var allQuestions = questionSteps().length === total;
    var label = allQuestions ? "Question" : "Step";
    byId("progress-text").textContent = total ? label + " " + (state.index + 1) + " of " + total : "";
    var progress = byId("progress");
    progress.max = Math.max(total, 1);
    progress.value = total ? state.index + 1 : 1;
  }

  function showStep(index) {
    stopClock();
    state.index = index;
    var step = currentStep();
    var container = byId("step");
    container.textContent = "";
    container.appendChild(step.kind === "question" ? renderQuestion(step.item) : renderResource(step.item));
    container.hidden = false;
    byId("finish").hidden = true;
    byId("step-nav").hidden = false;
    byId("previous-button").disabled = index === 0;
    var last = index === state.steps.length - 1;
    byId("next-button").hidden = last;
    byId("finish-button").hidden = !last;
    updateProgress();
    state.shownAt = performance.now();
    var focusTarget = container.querySelector("input, button, summary, a");
    if (focusTarget && document.activeElement && document.activeElement.closest("#step-nav, #finish")) {
      focusTarget.focus();
    }
  }

  function leaveStep() {
    var step = currentStep();
    stopClock();
    if (!step || step.kind !== "question") {
      return Promise.resolve();
    }
    var question = step.item;
    if (question.type === "ordering" && state.answers[question.id] === undefined) {
      // An ordering question always has an order: the one the student left it in.
      state.answers[question.id] = question.choices.map(function (choice) { return choice.id; });
    }
    return saveAnswer(question);
  }

  function showFinish() {
    leaveStep().then(function () {
      var questions = questionSteps();
      var answered = questions.filter(function (step) { return isAnswered(step.item); }).length;
      byId("step").hidden = true;
      byId("step-nav").hidden = true;
      byId("finish").hidden = false;
      byId("finish-summary").textContent = questions.length
        ? "You answered " + answered + " of " + questions.length + " questions. Unanswered questions count as wrong."
        : "You reached the end of this collection.";
      byId("progress-text").textContent = "Review";
      byId("back-button").hidden = !state.steps.length;
      var reaction = String(state.attempt.reaction || 0);
      document.querySelectorAll("input[name=reaction]").forEach(function (radio) {
        radio.checked = radio.value === reaction;
      });
      byId("finish-title").focus();
    });
  }

  // --- Submit and result ------------------------------------------------------

  function showResult(attempt) {
    var result = attempt.result;
    stopClock();
    ["step", "step-nav", "finish"].forEach(function (id) { byId(id).hidden = true; });
    byId("result").hidden = false;
    byId("progress-text").textContent = "Submitted";
    var percent = Math.round(result.score * 100);
    byId("result-score").textContent = "Score: " + percent + "%";
    var correct = Math.round(result.score * result.questions_count);
    byId("result-detail").textContent = result.questions_count
      ? correct + " of " + result.questions_count + " questions correct."
      : "You completed this collection.";
    byId("result-graded").textContent = attempt.graded
      ? "Your score has been recorded and will appear in your LMS gradebook."
      : "This was a preview: the score was not sent to the LMS gradebook.";
    if (config.returnUrl) {
      var link = byId("return-link");
      link.href = config.returnUrl;
      link.hidden = false;
    }
    byId("result-title").focus();
  }

  function submit() {
    var dialog = byId("confirm");
    if (dialog.open) {
      dialog.close();
    }
    byId("submit-button").disabled = true;
    queueWrite("POST", "submit/").then(
      function (result) {
        if (!result) {
          return;
        }
        state.attempt.status = "submitted";
        state.attempt.result = result;
        showResult(state.attempt);
      },
      function (error) {
        byId("submit-button").disabled = false;
        handleError(error);
      }
    );
  }

  function bindControls() {
    byId("previous-button").addEventListener("click", function () {
      leaveStep();
      showStep(state.index - 1);
    });
    byId("next-button").addEventListener("click", function () {
      leaveStep();
      showStep(state.index + 1);
    });
    byId("finish-button").addEventListener("click", showFinish);
    byId("back-button").addEventListener("click", function () {
      showStep(state.steps.length ? state.steps.length - 1 : 0);
    });
    document.querySelectorAll("input[name=reaction]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        var reaction = Number(radio.value);
        queueWrite("PUT", "reaction/", { reaction: reaction }).then(function () {
          state.attempt.reaction = reaction;
        }, handleError);
      });
    });
    byId("submit-button").addEventListener("click", function () {
      var dialog = byId("confirm");
      if (typeof dialog.showModal === "function") {
        dialog.showModal();
      } else if (window.confirm("Submit your answers? You cannot change them after you submit.")) {
        submit();
      }
    });
    byId("confirm-cancel").addEventListener("click", function () {
      byId("confirm").close();
      byId("submit-button").focus();
    });
    byId("confirm-submit").addEventListener("click", submit);
  }

  // --- Start ------------------------------------------------------------------

  function load() {
    return api("GET", "").then(function (attempt) {
      state.attempt = attempt;
      byId("player-status").hidden = true;
      if (attempt.status === "submitted") {
        showResult(attempt);
        return;
      }
      state.steps = attempt.questions
        .map(function (question) { return { kind: "question", position: question.position, item: question }; })
        .concat(attempt.resources.map(function (resource) { return { kind: "resource", position: resource.position, item: resource }; }))
        .sort(function (a, b) { return a.position - b.position; });
      attempt.responses.forEach(function (response) {
        state.answers[response.question_id] = response.answer;
        state.timesMs[response.question_id] = response.time_spent_ms;
      });
      if (!state.steps.length) {
        showFinish();
        return;
      }
      // A resumed attempt continues at its first unanswered question.
      var firstOpen = attempt.responses.length
        ? state.steps.findIndex(function (step) { return step.kind === "question" && !isAnswered(step.item); })
        : 0;
      showStep(firstOpen >= 0 ? firstOpen : 0);
    }, function (error) {
      byId("player-status").hidden = true;
      handleError(error);
    });
  }

  bindControls();
  load();
})();
